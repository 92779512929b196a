//! A drawing of a recorded graph as data (micrograd's `draw_dot`): one box per
//! tensor — an operation with its source text, shape, value and `.grad`, or a leaf —
//! and edges from inputs to results. It renders as the `:graph` tree in the terminal
//! and, laid out in layers from left (inputs) to right (the result), as SVG.

use std::collections::HashSet;
use std::fmt::Write as _;

/// The most lines the tree shows.
pub const MAX_TREE_LINES: usize = 400;

/// What a box stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxKind {
    /// The result of a recorded operation.
    Op,
    /// A leaf that requires grad (a parameter).
    Leaf,
    /// A tensor that does not require grad.
    Constant,
}

/// One box: a title and lines of detail.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphBox {
    pub kind: BoxKind,
    /// `h = TanhBackward`, `W1`, `constant`.
    pub title: String,
    /// Source text, shape, value summary, grad summary (those that apply).
    pub lines: Vec<String>,
    /// The one-line form the tree shows.
    pub summary: String,
    /// The boxes this one was computed from (indices into `boxes`, in input order).
    pub inputs: Vec<usize>,
    /// A label for each edge from `inputs` (the same order), e.g. the gradient that
    /// flowed along it; empty when the edges carry none.
    pub edge_labels: Vec<Option<String>>,
}

/// A recorded graph: boxes ordered inputs first (every input precedes its users),
/// the root last.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphDrawing {
    /// The name of what is drawn (a variable, or the source text of `draw`'s argument).
    pub name: String,
    pub boxes: Vec<GraphBox>,
    /// Tensors left out of a very large graph.
    pub omitted: usize,
}

impl GraphDrawing {
    /// The root (the last box), if any.
    pub fn root(&self) -> Option<usize> {
        self.boxes.len().checked_sub(1)
    }

    /// Every edge, input → result.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        self.labelled_edges()
            .into_iter()
            .map(|(from, to, _)| (from, to))
            .collect()
    }

    /// Every edge, input → result, with its label if it has one.
    pub fn labelled_edges(&self) -> Vec<(usize, usize, Option<&str>)> {
        let mut e = Vec::new();
        for (to, b) in self.boxes.iter().enumerate() {
            for (k, &from) in b.inputs.iter().enumerate() {
                let label = b.edge_labels.get(k).and_then(|l| l.as_deref());
                e.push((from, to, label));
            }
        }
        e
    }

    /// The graph as an indented tree from the root (as `:graph NAME` shows it): an
    /// operation reached a second time is shown once more with `(shown above)`.
    pub fn to_tree(&self) -> String {
        let mut out = String::new();
        let Some(root) = self.root() else {
            return out;
        };
        let mut lines = 0;
        let mut seen = HashSet::new();
        let mut stack: Vec<(usize, String, String)> = vec![(root, String::new(), String::new())];
        while let Some((b, prefix, child_prefix)) = stack.pop() {
            if lines >= MAX_TREE_LINES {
                let _ = writeln!(out, "… ({} more branches not shown)", stack.len() + 1);
                break;
            }
            lines += 1;
            let Some(bx) = self.boxes.get(b) else {
                continue;
            };
            if bx.kind == BoxKind::Op && !seen.insert(b) {
                let _ = writeln!(out, "{prefix}{}  (shown above)", bx.summary);
                continue;
            }
            let _ = writeln!(out, "{prefix}{}", bx.summary);
            let n = bx.inputs.len();
            for (i, &input) in bx.inputs.iter().enumerate().rev() {
                let (branch, rest) = if i + 1 == n {
                    ("└─ ", "   ")
                } else {
                    ("├─ ", "│  ")
                };
                stack.push((
                    input,
                    format!("{child_prefix}{branch}"),
                    format!("{child_prefix}{rest}"),
                ));
            }
        }
        if self.omitted > 0 {
            let _ = writeln!(out, "… ({} more tensors not drawn)", self.omitted);
        }
        out
    }

    /// Positions of the boxes in layers: `layer[i]` is the longest path from a
    /// source to box `i`, and `order[layer]` lists its boxes top to bottom, arranged
    /// by a few barycentre sweeps so that edges cross less.
    pub fn layers(&self) -> (Vec<usize>, Vec<Vec<usize>>) {
        let n = self.boxes.len();
        let mut layer = vec![0usize; n];
        for (i, b) in self.boxes.iter().enumerate() {
            layer[i] = b
                .inputs
                .iter()
                .filter(|&&j| j < i)
                .map(|&j| layer[j] + 1)
                .max()
                .unwrap_or(0);
        }
        // A leaf sits just before its first user rather than at the far left.
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (to, b) in self.boxes.iter().enumerate() {
            for &from in &b.inputs {
                if from < n {
                    users[from].push(to);
                }
            }
        }
        for i in (0..n).rev() {
            if self.boxes[i].inputs.is_empty() {
                if let Some(m) = users[i].iter().map(|&u| layer[u]).min() {
                    layer[i] = m.saturating_sub(1);
                }
            }
        }
        let depth = layer.iter().max().map_or(0, |m| m + 1);
        let mut order: Vec<Vec<usize>> = vec![Vec::new(); depth];
        for (i, &l) in layer.iter().enumerate() {
            order[l].push(i);
        }
        let mut pos = vec![0.0f64; n];
        let place = |order: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
            for col in order {
                for (k, &b) in col.iter().enumerate() {
                    pos[b] = k as f64;
                }
            }
        };
        place(&order, &mut pos);
        for sweep in 0..4 {
            let forward = sweep % 2 == 0;
            let cols: Vec<usize> = if forward {
                (1..depth).collect()
            } else {
                (0..depth.saturating_sub(1)).rev().collect()
            };
            for c in cols {
                let mut keyed: Vec<(f64, usize)> = order[c]
                    .iter()
                    .map(|&b| {
                        let nbrs: Vec<usize> = if forward {
                            self.boxes[b].inputs.clone()
                        } else {
                            users[b].clone()
                        };
                        let key = if nbrs.is_empty() {
                            pos[b]
                        } else {
                            nbrs.iter().map(|&j| pos[j]).sum::<f64>() / nbrs.len() as f64
                        };
                        (key, b)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                order[c] = keyed.into_iter().map(|(_, b)| b).collect();
                for (k, &b) in order[c].iter().enumerate() {
                    pos[b] = k as f64;
                }
            }
        }
        (layer, order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: BoxKind, title: &str, inputs: Vec<usize>) -> GraphBox {
        GraphBox {
            kind,
            title: title.into(),
            lines: vec![],
            summary: title.into(),
            inputs,
            edge_labels: vec![],
        }
    }

    fn diamond() -> GraphDrawing {
        // x → a, x → b, (a, b) → y
        GraphDrawing {
            name: "y".into(),
            boxes: vec![
                bx(BoxKind::Leaf, "x", vec![]),
                bx(BoxKind::Op, "a", vec![0]),
                bx(BoxKind::Op, "b", vec![0]),
                bx(BoxKind::Op, "y", vec![1, 2]),
            ],
            omitted: 0,
        }
    }

    #[test]
    fn tree_and_edges() {
        let d = diamond();
        assert_eq!(d.to_tree(), "y\n├─ a\n│  └─ x\n└─ b\n   └─ x\n");
        assert_eq!(d.edges(), vec![(0, 1), (0, 2), (1, 3), (2, 3)]);
    }

    #[test]
    fn layers_go_from_inputs_to_the_root() {
        let (layer, order) = diamond().layers();
        assert_eq!(layer, vec![0, 1, 1, 2]);
        assert_eq!(order, vec![vec![0], vec![1, 2], vec![3]]);
    }
}
