//! How many counted organisations have each active degree, the largest such degree and the
//! counted organisations without an active tie, kept up to date as ties and the counted set
//! change (no pass over the organisations to read them).

/// Number of counted organisations per active degree, with the largest degree held by any and
/// the set of those of degree 0.
#[derive(Debug, Clone, Default)]
pub struct DegreeCounts {
    /// `count[k]`: counted organisations of degree `k` (grown on demand).
    count: Vec<u32>,
    /// The largest `k` with `count[k] > 0`, or 0 when none.
    most: usize,
    /// The counted organisations of degree 0, in no particular order.
    isolated: Vec<u32>,
    /// Where each organisation stands in `isolated` (`u32::MAX`: not there; grown on demand).
    isolated_pos: Vec<u32>,
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

    /// The counted organisations of degree 0, in an order that depends on the history of
    /// changes.
    #[inline]
    pub fn isolated(&self) -> &[u32] {
        &self.isolated
    }

    /// Counts organisation `i`, of degree `k`.
    #[inline]
    pub fn add(&mut self, i: u32, k: usize) {
        if k >= self.count.len() {
            self.count.resize(k + 1, 0);
        }
        self.count[k] += 1;
        self.most = self.most.max(k);
        if k == 0 {
            self.join_isolated(i);
        }
    }

    /// Stops counting organisation `i`, of degree `k` (it must be counted there).
    #[inline]
    pub fn remove(&mut self, i: u32, k: usize) {
        self.count[k] -= 1;
        while self.most > 0 && self.count[self.most] == 0 {
            self.most -= 1;
        }
        if k == 0 {
            self.leave_isolated(i);
        }
    }

    /// Counted organisation `i`'s degree changed from `from` to `to`: the general change,
    /// the reference that [`DegreeCounts::up`] and [`DegreeCounts::down`] are tested against.
    #[cfg(test)]
    pub fn shift(&mut self, i: u32, from: usize, to: usize) {
        self.add(i, to);
        self.remove(i, from);
    }

    /// Counted organisation `i`'s degree went up by one, from `from`: the same counts, largest
    /// degree and isolated list (in the same order) as adding `i` at `from + 1` and then
    /// removing it at `from`, without the general case's tests.
    #[inline]
    pub fn up(&mut self, i: u32, from: usize) {
        let to = from + 1;
        if to >= self.count.len() {
            self.count.resize(to + 1, 0);
        }
        if let [f, t, ..] = &mut self.count[from..] {
            *t += 1;
            *f -= 1;
        }
        self.most = self.most.max(to);
        if from == 0 {
            self.leave_isolated(i);
        }
    }

    /// Counted organisation `i`'s degree went down by one, to `to`: the same counts, largest
    /// degree and isolated list (in the same order) as adding `i` at `to` and then removing it
    /// at `to + 1`.
    #[inline]
    pub fn down(&mut self, i: u32, to: usize) {
        let from = to + 1;
        if let [t, f, ..] = &mut self.count[to..] {
            *t += 1;
            *f -= 1;
            // The largest degree falls only when `i` held it alone, and then to `to`.
            if self.most == from && *f == 0 {
                self.most = to;
            }
        }
        if to == 0 {
            self.join_isolated(i);
        }
    }

    /// Puts `i` at the end of the isolated list.
    #[inline]
    fn join_isolated(&mut self, i: u32) {
        let at = i as usize;
        if at >= self.isolated_pos.len() {
            self.isolated_pos.resize(at + 1, u32::MAX);
        }
        self.isolated_pos[at] = self.isolated.len() as u32;
        self.isolated.push(i);
    }

    /// Takes `i` out of the isolated list, the last one taking its place.
    #[inline]
    fn leave_isolated(&mut self, i: u32) {
        let p = std::mem::replace(&mut self.isolated_pos[i as usize], u32::MAX);
        self.isolated.swap_remove(p as usize);
        if let Some(&moved) = self.isolated.get(p as usize) {
            self.isolated_pos[moved as usize] = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Against a plain vector of the counted organisations' degrees: after every change
        /// the largest degree equals the vector's maximum and the isolated ones are those of
        /// degree 0.
        #[test]
        fn most_and_isolated_match_plain(ops in proptest::collection::vec((0usize..6, 0u8..4), 0..300)) {
            let mut c = DegreeCounts::new();
            let mut deg: Vec<Option<usize>> = vec![None; 6];
            for (i, op) in ops {
                let o = i as u32;
                match (op, deg[i]) {
                    (0, None) => { c.add(o, 0); deg[i] = Some(0); }
                    (0, Some(k)) => { c.remove(o, k); deg[i] = None; }
                    (1, Some(k)) => { c.shift(o, k, k + 1); deg[i] = Some(k + 1); }
                    (2, Some(k)) if k > 0 => { c.shift(o, k, k - 1); deg[i] = Some(k - 1); }
                    _ => {}
                }
                let expect = deg.iter().flatten().copied().max().unwrap_or(0);
                proptest::prop_assert_eq!(c.most(), expect);
                let mut isolated = c.isolated().to_vec();
                isolated.sort_unstable();
                let want: Vec<u32> = (0..6u32).filter(|&k| deg[k as usize] == Some(0)).collect();
                proptest::prop_assert_eq!(isolated, want);
            }
        }

        /// Steps up and down by one leave the counts, the largest degree and the isolated
        /// list in exactly the state, order included, that the general shift leaves.
        #[test]
        fn steps_match_shift(ops in proptest::collection::vec((0usize..6, 0u8..4), 0..300)) {
            let (mut general, mut step) = (DegreeCounts::new(), DegreeCounts::new());
            let mut deg: Vec<Option<usize>> = vec![None; 6];
            for (i, op) in ops {
                let o = i as u32;
                match (op, deg[i]) {
                    (0, None) => { general.add(o, 0); step.add(o, 0); deg[i] = Some(0); }
                    (0, Some(k)) => { general.remove(o, k); step.remove(o, k); deg[i] = None; }
                    (1, Some(k)) => { general.shift(o, k, k + 1); step.up(o, k); deg[i] = Some(k + 1); }
                    (2, Some(k)) if k > 0 => { general.shift(o, k, k - 1); step.down(o, k - 1); deg[i] = Some(k - 1); }
                    _ => {}
                }
                proptest::prop_assert_eq!(step.most(), general.most());
                proptest::prop_assert_eq!(step.isolated(), general.isolated());
                let used = general.count.len().min(step.count.len());
                proptest::prop_assert_eq!(&step.count[..used], &general.count[..used]);
                proptest::prop_assert!(step.count[used..].iter().chain(&general.count[used..]).all(|&c| c == 0));
            }
        }
    }
}
