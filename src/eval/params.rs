//! The tensors inside a value (SPEC §19, "Parameters of anything"): one walk over
//! tuples, lists, dicts, modules and objects, each tensor once,
//! with its dotted path as PyTorch's `state_dict` names it (`layers.0.W`).

use crate::autodiff::Tensor;
use crate::eval::Value;
use std::collections::HashSet;
use std::rc::Rc;

/// One tensor found inside a value.
pub struct Found {
    /// The dotted path from the value: field or member names and element positions.
    pub path: String,
    pub tensor: Tensor,
    /// Reached through tuples and lists only (given by hand, as `sgd((w, b))`), not
    /// as a member of a module or a field of an object.
    pub direct: bool,
}

/// Every tensor reachable from `v`, depth first in order (elements by position,
/// dict entries by insertion, members in definition order), each tensor and each shared container once.
pub fn tensors(v: &Value) -> Vec<Found> {
    let mut walk = Walk {
        out: Vec::new(),
        seen_tensors: HashSet::new(),
        seen_containers: HashSet::new(),
    };
    walk.value(v, String::new(), true);
    walk.out
}

/// The tensors inside `v` that require grad: `parameters(v)`.
pub fn parameters(v: &Value) -> Vec<Found> {
    tensors(v)
        .into_iter()
        .filter(|f| f.tensor.requires_grad())
        .collect()
}

struct Walk {
    out: Vec<Found>,
    seen_tensors: HashSet<usize>,
    /// Lists and modules already entered (a list may hold itself).
    seen_containers: HashSet<usize>,
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}.{part}")
    }
}

impl Walk {
    fn value(&mut self, v: &Value, path: String, direct: bool) {
        match v {
            Value::Tensor(t) if self.seen_tensors.insert(t.id()) => self.out.push(Found {
                path,
                tensor: t.clone(),
                direct,
            }),
            Value::Tuple(items) => self.items(items.iter(), &path, direct),
            Value::List(l) if self.first_visit(Rc::as_ptr(&l.0) as *const ()) => {
                self.items(l.items().iter(), &path, direct)
            }
            Value::Dict(d) if self.first_visit(Rc::as_ptr(&d.0) as *const ()) => {
                let entries = d.0.borrow().entries().to_vec();
                for (key, item) in &entries {
                    self.value(item, join(&path, &key.to_display()), direct);
                }
            }
            Value::Object(o) if self.first_visit(Rc::as_ptr(o) as *const ()) => {
                // Fields in the order they were first set (a `Module`'s attributes).
                for (name, field) in o.items() {
                    self.value(&field, join(&path, &name), false);
                }
            }
            Value::Module(m) if self.first_visit(Rc::as_ptr(m) as *const ()) => {
                for name in m.env.names() {
                    if let Some(member) = m.env.get(&name) {
                        self.value(&member, join(&path, &name), false);
                    }
                }
            }
            _ => {}
        }
    }

    /// True the first time a container at `ptr` is entered.
    fn first_visit(&mut self, ptr: *const ()) -> bool {
        self.seen_containers.insert(ptr as usize)
    }

    fn items<'a>(&mut self, items: impl Iterator<Item = &'a Value>, path: &str, direct: bool) {
        for (i, item) in items.enumerate() {
            self.value(item, join(path, &i.to_string()), direct);
        }
    }
}
