//! How many counted organisations have each active degree, and the largest such degree, kept
//! up to date as ties and the counted set change (no pass over the organisations to read it).

/// Number of counted organisations per active degree, with the largest degree held by any.
#[derive(Debug, Clone, Default)]
pub struct DegreeCounts {
    /// `count[k]`: counted organisations of degree `k` (grown on demand).
    count: Vec<u32>,
    /// The largest `k` with `count[k] > 0`, or 0 when none.
    most: usize,
}

impl DegreeCounts {
    /// No organisation counted.
    pub fn new() -> Self {
        DegreeCounts::default()
    }

    /// The largest degree of a counted organisation (0 when none is counted).
    #[inline]
    pub fn most(&self) -> usize {
        self.most
    }

    /// Counts an organisation of degree `k`.
    #[inline]
    pub fn add(&mut self, k: usize) {
        if k >= self.count.len() {
            self.count.resize(k + 1, 0);
        }
        self.count[k] += 1;
        self.most = self.most.max(k);
    }

    /// Stops counting an organisation of degree `k` (one must be counted there).
    #[inline]
    pub fn remove(&mut self, k: usize) {
        self.count[k] -= 1;
        while self.most > 0 && self.count[self.most] == 0 {
            self.most -= 1;
        }
    }

    /// A counted organisation's degree changed from `from` to `to`.
    #[inline]
    pub fn shift(&mut self, from: usize, to: usize) {
        self.add(to);
        self.remove(from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Against a plain vector of the counted organisations' degrees: after every change
        /// the largest degree equals the vector's maximum.
        #[test]
        fn most_matches_maximum(ops in proptest::collection::vec((0usize..6, 0u8..4), 0..300)) {
            let mut c = DegreeCounts::new();
            let mut deg: Vec<Option<usize>> = vec![None; 6];
            for (i, op) in ops {
                match (op, deg[i]) {
                    (0, None) => { c.add(0); deg[i] = Some(0); }
                    (0, Some(k)) => { c.remove(k); deg[i] = None; }
                    (1, Some(k)) => { c.shift(k, k + 1); deg[i] = Some(k + 1); }
                    (2, Some(k)) if k > 0 => { c.shift(k, k - 1); deg[i] = Some(k - 1); }
                    _ => {}
                }
                let expect = deg.iter().flatten().copied().max().unwrap_or(0);
                proptest::prop_assert_eq!(c.most(), expect);
            }
        }
    }
}
