//! A short list kept inline: a node's inputs, its saved values, and the gradients
//! a backward rule returns — one or two items almost always, so no heap allocation.

use std::ops::Deref;

/// Up to two items inline, more on the heap. Reads as a slice.
#[derive(Clone, Debug, Default)]
pub enum Few<T> {
    #[default]
    Zero,
    One([T; 1]),
    Two([T; 2]),
    Many(Vec<T>),
}

/// `Few` from a list of expressions, like `vec!`.
macro_rules! few {
    ($($x:expr),+ $(,)?) => {
        $crate::autodiff::few::Few::from([$($x),+])
    };
}
pub(crate) use few;

impl<T> Deref for Few<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Few::Zero => &[],
            Few::One(a) => a,
            Few::Two(a) => a,
            Few::Many(v) => v,
        }
    }
}

impl<T> std::ops::DerefMut for Few<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Few::Zero => &mut [],
            Few::One(a) => a,
            Few::Two(a) => a,
            Few::Many(v) => v,
        }
    }
}

impl<T> Few<T> {
    /// `f` of each item, kept as short as it was.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Few<U> {
        match self {
            Few::Zero => Few::Zero,
            Few::One([a]) => Few::One([f(a)]),
            Few::Two([a, b]) => Few::Two([f(a), f(b)]),
            Few::Many(v) => Few::Many(v.iter().map(f).collect()),
        }
    }

    /// `f` of each item, taken by value, kept as short as it was.
    pub fn into_map<U>(self, mut f: impl FnMut(T) -> U) -> Few<U> {
        match self {
            Few::Zero => Few::Zero,
            Few::One([a]) => Few::One([f(a)]),
            Few::Two([a, b]) => Few::Two([f(a), f(b)]),
            Few::Many(v) => Few::Many(v.into_iter().map(f).collect()),
        }
    }

    /// Moves every item to the end of `out`.
    pub fn move_into(self, out: &mut Vec<T>) {
        match self {
            Few::Zero => {}
            Few::One([a]) => out.push(a),
            Few::Two([a, b]) => {
                out.push(a);
                out.push(b);
            }
            Few::Many(mut v) => out.append(&mut v),
        }
    }
}

impl<T> From<[T; 1]> for Few<T> {
    fn from(a: [T; 1]) -> Few<T> {
        Few::One(a)
    }
}

impl<T> From<[T; 2]> for Few<T> {
    fn from(a: [T; 2]) -> Few<T> {
        Few::Two(a)
    }
}

impl<T> From<[T; 3]> for Few<T> {
    fn from(a: [T; 3]) -> Few<T> {
        Few::Many(a.into())
    }
}

impl<T> From<Vec<T>> for Few<T> {
    fn from(v: Vec<T>) -> Few<T> {
        Few::Many(v)
    }
}

impl<T> FromIterator<T> for Few<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Few<T> {
        let mut it = iter.into_iter();
        let Some(a) = it.next() else {
            return Few::Zero;
        };
        let Some(b) = it.next() else {
            return Few::One([a]);
        };
        let Some(c) = it.next() else {
            return Few::Two([a, b]);
        };
        let mut v = vec![a, b, c];
        v.extend(it);
        Few::Many(v)
    }
}

impl<'a, T> IntoIterator for &'a Few<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_iterates_like_a_slice_at_every_length() {
        for n in 0..5 {
            let f: Few<usize> = (0..n).collect();
            assert_eq!(f.len(), n);
            assert_eq!(
                f.iter().copied().collect::<Vec<_>>(),
                (0..n).collect::<Vec<_>>()
            );
            let mut moved = Vec::new();
            f.move_into(&mut moved);
            assert_eq!(moved, (0..n).collect::<Vec<_>>());
        }
        let f: Few<u8> = few![1, 2];
        assert!(matches!(f, Few::Two(_)));
        assert_eq!(f.get(1), Some(&2));
    }
}
