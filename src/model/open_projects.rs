//! The open projects each organisation belongs to, in a flat layout.
//!
//! Almost every organisation is in at most one open project, so the first project and the
//! count sit side by side in one flat array: the question asked on every tie and every
//! formation trial ("do `i` and `j` share an open project?") reads two adjacent array slots and
//! no heap list. The rare further memberships live in a small side table.

use rustc_hash::FxHashMap;

const NONE: u32 = u32::MAX;

/// Open-project memberships of every organisation.
#[derive(Debug, Default, PartialEq)]
pub struct OpenProjects {
    /// Per organisation: (first open project or `NONE`, number of open projects).
    head: Vec<(u32, u32)>,
    /// Open projects after the first, for organisations in more than one.
    rest: FxHashMap<u32, Vec<u32>>,
}

clone_reusing!(OpenProjects { head, rest });

impl OpenProjects {
    /// No memberships among `n` organisations.
    pub fn new(n: usize) -> Self {
        OpenProjects {
            head: vec![(NONE, 0); n],
            rest: FxHashMap::default(),
        }
    }

    /// Number of open projects `i` belongs to.
    #[inline]
    pub fn count(&self, i: u32) -> usize {
        self.head[i as usize].1 as usize
    }

    /// The first open project of `i` (meaningless when it has none) and the number of its
    /// open projects.
    #[inline(always)]
    pub fn head(&self, i: u32) -> (u32, usize) {
        let (first, count) = self.head[i as usize];
        (first, count as usize)
    }

    /// Hints the processor to load the memberships of organisation `i` (no effect on results).
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        crate::network::prefetch(&self.head, i);
    }

    /// Is `i` a member of open project `p`?
    #[inline]
    pub fn contains(&self, i: u32, p: u32) -> bool {
        let (first, count) = self.head[i as usize];
        first == p || (count > 1 && self.rest.get(&i).is_some_and(|r| r.contains(&p)))
    }

    /// The open projects of `i` (order unspecified).
    pub fn of(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        let (first, count) = self.head[i as usize];
        let rest = if count > 1 {
            self.rest.get(&i).map(Vec::as_slice).unwrap_or(&[])
        } else {
            &[]
        };
        (count > 0)
            .then_some(first)
            .into_iter()
            .chain(rest.iter().copied())
    }

    /// Do `i` and `j` share an open project? The common answers (from the first memberships)
    /// are inlined into the callers' loops; the rare search of second memberships is not.
    #[inline(always)]
    pub fn share(&self, i: u32, j: u32) -> bool {
        let (fi, ci) = self.head[i as usize];
        let (fj, cj) = self.head[j as usize];
        if ci == 0 || cj == 0 {
            return false;
        }
        if fi == fj {
            return true;
        }
        if ci == 1 && cj == 1 {
            return false;
        }
        self.share_beyond_first(i, j)
    }

    #[inline(never)]
    fn share_beyond_first(&self, i: u32, j: u32) -> bool {
        self.of(i).any(|p| self.contains(j, p))
    }

    /// An open project `i` and `j` share (the first found), if any.
    #[inline]
    pub fn shared(&self, i: u32, j: u32) -> Option<u32> {
        let (fi, ci) = self.head[i as usize];
        let (fj, cj) = self.head[j as usize];
        if ci == 0 || cj == 0 {
            return None;
        }
        if fi == fj {
            return Some(fi);
        }
        if ci == 1 && cj == 1 {
            return None;
        }
        self.of(i).find(|&p| self.contains(j, p))
    }

    /// Adds `i` to open project `p` (no-op if it is a member).
    pub fn insert(&mut self, i: u32, p: u32) {
        if self.contains(i, p) {
            return;
        }
        let h = &mut self.head[i as usize];
        if h.1 == 0 {
            *h = (p, 1);
        } else {
            h.1 += 1;
            self.rest.entry(i).or_default().push(p);
        }
    }

    /// Removes `i` from open project `p` (no-op if it is not a member).
    pub fn remove(&mut self, i: u32, p: u32) {
        let (first, count) = self.head[i as usize];
        if count == 0 {
            return;
        }
        if first == p {
            self.head[i as usize] = match self.take_rest(i) {
                Some(next) => (next, count - 1),
                None => (NONE, 0),
            };
        } else if let Some(r) = self.rest.get_mut(&i)
            && let Some(k) = r.iter().position(|&x| x == p)
        {
            r.swap_remove(k);
            if r.is_empty() {
                self.rest.remove(&i);
            }
            self.head[i as usize].1 = count - 1;
        }
    }

    /// Removes and returns one of the further projects of `i`, if any.
    fn take_rest(&mut self, i: u32) -> Option<u32> {
        let r = self.rest.get_mut(&i)?;
        let p = r.pop();
        if r.is_empty() {
            self.rest.remove(&i);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any sequence of joins and leaves gives the same answers as plain per-organisation
        /// lists.
        #[test]
        fn matches_lists(ops in proptest::collection::vec((0u32..6, 0u32..4, proptest::bool::ANY), 0..200)) {
            let mut o = OpenProjects::new(6);
            let mut lists: Vec<Vec<u32>> = vec![Vec::new(); 6];
            for (i, p, join) in ops {
                if join {
                    o.insert(i, p);
                    if !lists[i as usize].contains(&p) {
                        lists[i as usize].push(p);
                    }
                } else {
                    o.remove(i, p);
                    lists[i as usize].retain(|&x| x != p);
                }
                for a in 0..6u32 {
                    let mut mine: Vec<u32> = o.of(a).collect();
                    mine.sort_unstable();
                    let mut want = lists[a as usize].clone();
                    want.sort_unstable();
                    proptest::prop_assert_eq!(&mine, &want);
                    proptest::prop_assert_eq!(o.count(a), want.len());
                    for b in 0..6u32 {
                        let shared = want.iter().any(|x| lists[b as usize].contains(x));
                        proptest::prop_assert_eq!(o.share(a, b), shared);
                        let which = o.shared(a, b);
                        proptest::prop_assert_eq!(which.is_some(), shared);
                        if let Some(p) = which {
                            proptest::prop_assert!(o.contains(a, p) && o.contains(b, p));
                        }
                    }
                    for p in 0..4 {
                        proptest::prop_assert_eq!(o.contains(a, p), want.contains(&p));
                    }
                }
            }
        }
    }
}
