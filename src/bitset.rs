//! Sets of atoms (entities and enum variants) as bitsets.
//!
//! Atom ids are dense and assigned in alphabetical order of their names, so iterating a set
//! yields its members in alphabetical order. Libraries with up to 128 atoms keep their sets
//! inline (no allocation); larger libraries spill to the heap.

use std::sync::Arc;

const INLINE_WORDS: usize = 2;

/// A set of atom ids.
#[derive(Clone, Debug)]
pub enum AtomSet {
    /// Up to 128 atoms, no allocation.
    Inline([u64; INLINE_WORDS]),
    /// More atoms.
    Heap(Arc<[u64]>),
}

impl Default for AtomSet {
    fn default() -> Self {
        AtomSet::Inline([0; INLINE_WORDS])
    }
}

impl PartialEq for AtomSet {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.words(), other.words());
        let n = a.len().max(b.len());
        (0..n).all(|i| a.get(i).copied().unwrap_or(0) == b.get(i).copied().unwrap_or(0))
    }
}

impl Eq for AtomSet {}

impl AtomSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The words of the set.
    pub fn words(&self) -> &[u64] {
        match self {
            AtomSet::Inline(w) => w,
            AtomSet::Heap(w) => w,
        }
    }

    /// A set from its members.
    pub fn from_ids(ids: impl IntoIterator<Item = u32>) -> Self {
        // Inline until an id needs more words: no allocation for small libraries.
        let mut inline = [0u64; INLINE_WORDS];
        let mut ids = ids.into_iter();
        let mut spill = None;
        for id in ids.by_ref() {
            match inline.get_mut((id / 64) as usize) {
                Some(word) => *word |= 1 << (id % 64),
                None => {
                    spill = Some(id);
                    break;
                }
            }
        }
        let Some(first) = spill else {
            return AtomSet::Inline(inline);
        };
        let mut words: Vec<u64> = inline.to_vec();
        let rest = std::iter::once(first).chain(ids);
        for id in rest {
            let w = (id / 64) as usize;
            if w >= words.len() {
                words.resize(w + 1, 0);
            }
            if let Some(word) = words.get_mut(w) {
                *word |= 1 << (id % 64);
            }
        }
        Self::from_words(words)
    }

    #[allow(dead_code)]
    fn from_ids_slow(ids: impl IntoIterator<Item = u32>) -> Self {
        let mut words: Vec<u64> = vec![0; INLINE_WORDS];
        for id in ids {
            let w = (id / 64) as usize;
            if w >= words.len() {
                words.resize(w + 1, 0);
            }
            if let Some(word) = words.get_mut(w) {
                *word |= 1 << (id % 64);
            }
        }
        Self::from_words(words)
    }

    fn from_words(mut words: Vec<u64>) -> Self {
        while words.len() > INLINE_WORDS && words.last() == Some(&0) {
            words.pop();
        }
        if words.len() <= INLINE_WORDS {
            let mut inline = [0; INLINE_WORDS];
            for (slot, w) in inline.iter_mut().zip(words) {
                *slot = w;
            }
            AtomSet::Inline(inline)
        } else {
            AtomSet::Heap(words.into())
        }
    }

    /// Adds a member.
    #[inline]
    pub fn insert(&mut self, id: u32) {
        let w = (id / 64) as usize;
        if let AtomSet::Inline(words) = self {
            if let Some(word) = words.get_mut(w) {
                *word |= 1 << (id % 64);
                return;
            }
        }
        let mut words = self.words().to_vec();
        if w >= words.len() {
            words.resize(w + 1, 0);
        }
        if let Some(word) = words.get_mut(w) {
            *word |= 1 << (id % 64);
        }
        *self = Self::from_words(words);
    }

    /// Whether `id` is a member.
    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.words()
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.words().iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words().iter().all(|&w| w == 0)
    }

    fn zip_with(&self, other: &Self, f: impl Fn(u64, u64) -> u64) -> Self {
        if let (AtomSet::Inline(a), AtomSet::Inline(b)) = (self, other) {
            let mut out = [0; INLINE_WORDS];
            for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
                *o = f(*x, *y);
            }
            return AtomSet::Inline(out);
        }
        let (a, b) = (self.words(), other.words());
        let n = a.len().max(b.len());
        let words = (0..n)
            .map(|i| {
                f(
                    a.get(i).copied().unwrap_or(0),
                    b.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        Self::from_words(words)
    }

    /// Union.
    pub fn union(&self, other: &Self) -> Self {
        self.zip_with(other, |a, b| a | b)
    }

    /// Intersection.
    pub fn intersection(&self, other: &Self) -> Self {
        self.zip_with(other, |a, b| a & b)
    }

    /// Difference.
    pub fn difference(&self, other: &Self) -> Self {
        self.zip_with(other, |a, b| a & !b)
    }

    /// The smallest member.
    pub fn first(&self) -> Option<u32> {
        self.words()
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i as u32 * 64 + w.trailing_zeros())
    }

    /// Number of members up to and including `id`.
    pub fn count_through(&self, id: u32) -> usize {
        let (word, bit) = ((id / 64) as usize, id % 64);
        let mut n = 0;
        for (i, w) in self.words().iter().enumerate() {
            if i < word {
                n += w.count_ones() as usize;
            } else if i == word {
                let mask = if bit == 63 {
                    u64::MAX
                } else {
                    (1u64 << (bit + 1)) - 1
                };
                n += (w & mask).count_ones() as usize;
            }
        }
        n
    }

    /// Members in increasing id order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words().iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some(i as u32 * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(a in proptest::collection::btree_set(0u32..600, 0..20),
                                   b in proptest::collection::btree_set(0u32..600, 0..20)) {
            let (sa, sb) = (AtomSet::from_ids(a.iter().copied()), AtomSet::from_ids(b.iter().copied()));
            prop_assert_eq!(sa.iter().collect::<Vec<_>>(), a.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.union(&sb).iter().collect::<Vec<_>>(), a.union(&b).copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.intersection(&sb).iter().collect::<Vec<_>>(), a.intersection(&b).copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.difference(&sb).iter().collect::<Vec<_>>(), a.difference(&b).copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.len(), a.len());
            for x in 0..600 {
                prop_assert_eq!(sa.contains(x), a.contains(&x));
            }
            prop_assert_eq!(sa == sb, a == b);
            prop_assert_eq!(sa.first(), a.first().copied());
            for x in b.iter() {
                let mut s = sa.clone();
                s.insert(*x);
                let mut t = a.clone();
                t.insert(*x);
                prop_assert_eq!(s.iter().collect::<Vec<_>>(), t.iter().copied().collect::<Vec<_>>());
            }
            for x in [0, 1, 63, 64, 65, 127, 255, 256, 300, 599] {
                prop_assert_eq!(sa.count_through(x), a.range(..=x).count());
            }
        }
    }
}
