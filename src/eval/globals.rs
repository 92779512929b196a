//! The script's global variables: a vector of slots, one per global name ever
//! resolved or bound, so that a resolved read indexes instead of hashing a name.
//! The slots outlive `:reset` and REPL entries (a function resolved in an earlier
//! entry keeps reading the same slot); an unset slot reads as the builtin of the
//! same name, if there is one.

use super::builtins;
use super::value::{Builtin, Closure, Value};
use crate::fast_hash::FastMap;
use std::rc::Rc;

#[derive(Default)]
pub struct Globals {
    names: Vec<Rc<str>>,
    values: Vec<Option<Value>>,
    /// The builtin each name means while no global of that name is bound.
    builtins: Vec<Option<&'static Builtin>>,
    index: FastMap<Rc<str>, u32>,
    /// How many slots hold a value.
    bound: usize,
}

impl Globals {
    /// The slot of `name`, made (unset) if it has none yet.
    pub fn slot(&mut self, name: &Rc<str>) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.values.push(None);
        self.builtins.push(builtins::lookup(name));
        self.index.insert(name.clone(), i);
        i
    }

    /// What a read of slot `slot` finds: the global, else the builtin of its name.
    #[inline]
    pub fn read(&self, slot: u32) -> Option<Value> {
        let i = slot as usize;
        match self.values.get(i) {
            Some(Some(Value::Num(n))) => Some(Value::Num(*n)),
            Some(Some(v)) => Some(v.clone()),
            _ => self.builtins.get(i).copied().flatten().map(Value::Builtin),
        }
    }

    /// Binds slot `slot`; gives back the value it replaces.
    /// The user function in slot `slot`, if it holds one.
    #[inline]
    pub fn func(&self, slot: u32) -> Option<Rc<Closure>> {
        match self.values.get(slot as usize) {
            Some(Some(Value::Func(c))) => Some(c.clone()),
            _ => None,
        }
    }

    /// The user function in slot `slot`, if it holds one, borrowed.
    #[inline]
    pub fn func_ref(&self, slot: u32) -> Option<&Closure> {
        match self.values.get(slot as usize) {
            Some(Some(Value::Func(c))) => Some(c),
            _ => None,
        }
    }

    /// The number in slot `slot`, if it holds one.
    #[inline]
    pub fn num(&self, slot: u32) -> Option<f64> {
        match self.values.get(slot as usize) {
            Some(Some(Value::Num(n))) => Some(*n),
            _ => None,
        }
    }

    /// Binds slot `slot` (as [`Globals::write`], dropping the old value here).
    #[inline]
    pub fn set(&mut self, slot: u32, value: Value) {
        if let Some(cell) = self.values.get_mut(slot as usize) {
            match cell.replace(value) {
                None => self.bound += 1,
                // Numbers own nothing: no drop glue to run.
                Some(old @ Value::Num(_)) => std::mem::forget(old),
                Some(old) => drop(old),
            }
        }
    }

    /// Binds slot `slot` to the number `x`: when it holds a number, only the number
    /// is written (a whole `Value` built and copied in stalls the store buffer).
    #[inline]
    pub fn set_num(&mut self, slot: u32, x: f64) {
        match self.values.get_mut(slot as usize) {
            Some(Some(Value::Num(n))) => *n = x,
            _ => self.set(slot, Value::Num(x)),
        }
    }

    #[inline]
    pub fn write(&mut self, slot: u32, value: Value) -> Option<Value> {
        let cell = self.values.get_mut(slot as usize)?;
        let old = cell.replace(value);
        if old.is_none() {
            self.bound += 1;
        }
        old
    }

    /// The value of the global `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let &i = self.index.get(name)?;
        self.values.get(i as usize)?.as_ref()
    }

    /// Binds `name`; gives back the value it replaces.
    pub fn insert(&mut self, name: Rc<str>, value: Value) -> Option<Value> {
        let i = self.slot(&name);
        self.write(i, value)
    }

    /// The names of the bound globals, in the order their slots were made.
    pub fn keys(&self) -> impl Iterator<Item = &Rc<str>> {
        self.iter().map(|(k, _)| k)
    }

    /// The bound globals, in the order their slots were made.
    pub fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.names
            .iter()
            .zip(self.values.iter())
            .filter_map(|(n, v)| v.as_ref().map(|v| (n, v)))
    }

    pub fn len(&self) -> usize {
        self.bound
    }

    pub fn is_empty(&self) -> bool {
        self.bound == 0
    }

    /// Unbinds every global (the slots stay, unset).
    pub fn clear(&mut self) {
        let old: Vec<Option<Value>> = self.values.iter_mut().map(Option::take).collect();
        self.bound = 0;
        drop(old);
    }
}

impl<'a> IntoIterator for &'a Globals {
    type Item = (&'a Rc<str>, &'a Value);
    type IntoIter = Box<dyn Iterator<Item = (&'a Rc<str>, &'a Value)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}
