//! Random streams: each replicate has one independent generator per process, derived from
//! (master seed, replicate index, process), so results do not depend on thread count or run
//! order, and switching one process's coefficients does not shift the draws of the others.

use rand::{Rng as _, RngCore as _, SeedableRng};
use rand_distr::{Distribution, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used everywhere in the simulation.
pub type Rng = Xoshiro256PlusPlus;

/// SplitMix64 finaliser: a bijective mix of 64 bits.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator for (master seed, replicate, stream number).
pub fn stream(master: u64, replicate: u64, stream: u64) -> Rng {
    let s = splitmix(
        splitmix(splitmix(master) ^ replicate) ^ stream.wrapping_mul(0xA24B_AED4_963E_E407),
    );
    Rng::seed_from_u64(s)
}

/// One generator per process of a replicate.
#[derive(Debug, Clone)]
pub struct Streams {
    /// Project formation top-ups and recruitment.
    pub recruit: Rng,
    /// Tie formation (order, opportunities, candidates, acceptance).
    pub formation: Rng,
    /// Tie dissolution.
    pub dissolution: Rng,
    /// Adoption.
    pub adoption: Rng,
    /// Post-programme initiatives.
    pub initiative: Rng,
}

impl Streams {
    /// The streams of one replicate.
    pub fn new(master: u64, replicate: u64) -> Self {
        Streams {
            recruit: stream(master, replicate, 1),
            formation: stream(master, replicate, 2),
            dissolution: stream(master, replicate, 3),
            adoption: stream(master, replicate, 4),
            initiative: stream(master, replicate, 5),
        }
    }
}

/// `1 / (1 + exp(-x))`.
#[inline]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `u < logistic(x)` decided without `exp` for almost every `u`, with exactly the answer of
/// `u < logistic(x)` for every `u` and `x` (so draws decided this way give the same results
/// bit for bit).
///
/// The logistic is tabulated on a grid of step `1/STEPS` over `[-SPAN, SPAN]` and interpolated
/// linearly; the interpolation error is at most `h^2 / 8 * max|logistic''| = h^2 / 8 * 0.0963`
/// (`1.2e-5` for `h = 1/32`), and the table values and the computed `logistic(x)` are within a
/// few units in the last place of the true value. So when `u` is farther than [`MARGIN`] from
/// the interpolated value the comparison with the exact value comes out the same; otherwise
/// (about 4 draws in 100,000) `logistic(x)` is computed.
#[derive(Debug, Clone)]
pub struct LogisticTable {
    values: Box<[f64; POINTS]>,
}

/// Half-width of the tabulated range of the logistic's argument.
const SPAN: f64 = 32.0;
/// Grid points per unit of the argument.
const STEPS: f64 = 32.0;
/// Largest index into the grid, `2 * SPAN * STEPS`.
const LAST: f64 = 2.0 * SPAN * STEPS;
/// Number of grid points.
const POINTS: usize = LAST as usize + 1;
/// Bound on |interpolated - computed logistic|, with room to spare: 1.2e-5 for the
/// interpolation plus rounding errors below 1e-14.
const MARGIN: f64 = 2e-5;

impl Default for LogisticTable {
    fn default() -> Self {
        Self::new()
    }
}

impl LogisticTable {
    /// The table (2,049 values).
    pub fn new() -> Self {
        LogisticTable {
            values: Box::new(std::array::from_fn(|k| logistic(k as f64 / STEPS - SPAN))),
        }
    }

    /// The interpolated logistic of `x`, within [`MARGIN`] of the exact value for `x` in
    /// `[-SPAN, SPAN]`. Outside, `x` is clamped to the range, which keeps the answers of
    /// [`LogisticTable::below`] and [`LogisticTable::decided`] right because the logistic
    /// rises: below `-SPAN` the exact value is smaller than the tabulated one, so only a draw
    /// above it can be decided (false), and likewise above `SPAN`. NaN gives NaN, which decides
    /// nothing.
    #[inline(always)]
    fn approx(&self, x: f64) -> f64 {
        let t = ((x + SPAN) * STEPS).clamp(0.0, LAST);
        // In [0, LAST] (or NaN, which converts to 0), so exact through i32.
        let k = (t as i32 as usize).min(LAST as usize - 1);
        let f = t - k as f64;
        let (p0, p1) = (self.values[k], self.values[k + 1]);
        p0 + f * (p1 - p0)
    }

    /// Is `u < logistic(x)`? The same answer as that comparison, for every `u` and `x`.
    #[inline]
    pub fn below(&self, u: f64, x: f64) -> bool {
        let p = self.approx(x);
        if u < p - MARGIN {
            return true;
        }
        if u >= p + MARGIN {
            return false;
        }
        u < logistic(x)
    }

    /// `Some(u < logistic(x))` for every `x` in `[lo, hi]` when the answer is the same for all
    /// of them (the logistic rises, so `u` clearly below the logistic of `lo` or clearly above
    /// that of `hi` decides); `None` when it may depend on where `x` lies.
    #[inline]
    pub fn decided(&self, u: f64, lo: f64, hi: f64) -> Option<bool> {
        if u >= self.ceiling(hi) {
            return Some(false);
        }
        if u < self.approx(lo) - MARGIN {
            return Some(true);
        }
        None
    }

    /// A cut on the uniform draw for predictors at most `hi`: every `u` at or above it gives
    /// `u < logistic(x)` false for every `x <= hi` (the first test of
    /// [`LogisticTable::decided`]), so a loop whose predictors share an upper bound decides
    /// most of its trials from the draw alone.
    #[inline(always)]
    pub fn ceiling(&self, hi: f64) -> f64 {
        self.approx(hi) + MARGIN
    }

    /// True with probability `logistic(x)`: the same draw and the same answer as
    /// `chance(rng, logistic(x))`.
    #[inline]
    pub fn chance(&self, rng: &mut Rng, x: f64) -> bool {
        self.below(rng.random::<f64>(), x)
    }
}

/// True with probability `p`.
#[inline]
pub fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A Poisson draw with mean `mean` (0 when `mean <= 0`).
#[inline]
pub fn poisson(rng: &mut Rng, mean: f64) -> u32 {
    PoissonDraw::new(mean).sample(rng)
}

/// Poisson draws of one mean, prepared once: [`poisson`] for many draws of the same mean
/// (setting the distribution up costs an `exp` and more, more than a draw).
#[derive(Debug, Clone, Copy)]
pub struct PoissonDraw(Method);

/// How [`PoissonDraw`] draws: as `rand_distr::Poisson` does for the same mean.
#[derive(Debug, Clone, Copy)]
enum Method {
    /// Always 0 (a mean that is not a positive finite number).
    Zero,
    /// Knuth's product of uniforms, which `rand_distr` uses below a mean of 12, with its
    /// `exp(-mean)`: written out so that the draw loop inlines into the callers' loops.
    Knuth(f64),
    /// `rand_distr`'s rejection method for larger means.
    Other(Poisson<f64>),
}

impl PoissonDraw {
    /// Draws of mean `mean`; always 0 when `mean` is not a positive finite number.
    pub fn new(mean: f64) -> Self {
        if !(mean > 0.0 && mean.is_finite()) {
            return PoissonDraw(Method::Zero);
        }
        if mean < 12.0 {
            // The same value and the same method as `Poisson::new(mean)` below 12.
            return PoissonDraw(Method::Knuth((-mean).exp()));
        }
        // Poisson::new only fails for non-positive or non-finite means, or means beyond
        // its largest supported one, where it draws nothing here either.
        PoissonDraw(Poisson::new(mean).map_or(Method::Zero, Method::Other))
    }

    /// One draw: the same number, from the same random numbers, as `rand_distr::Poisson`
    /// of the same mean.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        match self.0 {
            Method::Zero => 0,
            Method::Knuth(exp_mean) => {
                // `rand_distr::poisson::KnuthMethod::sample`, operation for operation.
                let mut result = 1.0_f64;
                let mut p = rng.random::<f64>();
                while p > exp_mean {
                    p *= rng.random::<f64>();
                    result += 1.0;
                }
                (result - 1.0) as u32
            }
            Method::Other(d) => d.sample(rng) as u32,
        }
    }
}

/// Poisson draws of one mean conditioned on being at least 1 (the zero-truncated Poisson
/// distribution), prepared once: the number of opportunities of an organisation drawn
/// among those that have at least one.
#[derive(Debug, Clone, Copy)]
pub struct PositivePoisson(Positive);

/// How [`PositivePoisson`] draws.
#[derive(Debug, Clone, Copy)]
enum Positive {
    /// Inversion of the distribution function from 1 upwards: `first` is `P(K = 1)`, `mean`
    /// the mean, each further probability the previous one times `mean / k`.
    Inversion { first: f64, mean: f64 },
    /// Poisson draws until one is positive: for means at which a draw is 0 less than half
    /// the time, fewer than two draws on average.
    Rejection(PoissonDraw),
}

impl PositivePoisson {
    /// Draws of mean `mean` (of the untruncated distribution); `None` when [`PoissonDraw`]
    /// draws only 0 at that mean (not a positive finite number, or beyond what it draws).
    pub fn new(mean: f64) -> Option<Self> {
        let whole = PoissonDraw::new(mean);
        if matches!(whole.0, Method::Zero) {
            return None;
        }
        Some(if mean <= std::f64::consts::LN_2 {
            // P(K = 1 | K >= 1) = mean exp(-mean) / (1 - exp(-mean)), with 1 - exp(-mean)
            // positive for a positive mean.
            let q = -(-mean).exp_m1();
            PositivePoisson(Positive::Inversion {
                first: mean * (-mean).exp() / q,
                mean,
            })
        } else {
            PositivePoisson(Positive::Rejection(whole))
        })
    }

    /// One draw, 1 or more.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        match self.0 {
            Positive::Inversion { first, mean } => {
                let u = rng.random::<f64>();
                let (mut k, mut p, mut below) = (1u32, first, first);
                // `p` shrinks faster than geometrically, so the loop ends; a `u` so close to
                // 1 that rounding keeps `below` under it stops where `p` vanishes.
                while u >= below && p > 0.0 {
                    k += 1;
                    p *= mean / f64::from(k);
                    below += p;
                }
                k
            }
            Positive::Rejection(d) => loop {
                let k = d.sample(rng);
                if k > 0 {
                    break k;
                }
            },
        }
    }
}

/// A binomial draw: the number of successes in `n` trials of probability `p` in [0, 1].
#[inline]
pub fn binomial(rng: &mut Rng, n: usize, p: f64) -> usize {
    match rand_distr::Binomial::new(n as u64, p) {
        // At most `n`, so it fits back.
        Ok(d) => d.sample(rng) as usize,
        // Only a `p` outside [0, 1] (or NaN) fails.
        Err(_) => 0,
    }
}

/// Puts a uniformly random sample of `m` of `items` (`m <= items.len()`), in uniformly
/// random order, at the front: the first `m` steps of Durstenfeld's shuffle run from the
/// front, one bounded draw each.
#[inline]
pub fn sample_front<T>(rng: &mut Rng, items: &mut [T], m: usize) {
    let n = items.len();
    for i in 0..m.min(n) {
        let j = i + index(rng, n - i);
        items.swap(i, j);
    }
}

/// Independent trials of one probability over a run of items, each of which would draw a
/// uniform number `u = rng.random::<f64>()` and go on only when `u < cut`, visited by jumps
/// instead: the number of trials to pass over before the next one that goes on is geometric
/// ([`Jumps::skip`], one logarithm), and that trial's `u` is uniform below the cut
/// ([`Jumps::below`]). `u` takes the values `k / 2^53` (rand's 53-bit conversion), so a trial
/// goes on with probability `p = K / 2^53`, `K` the number of those values below the cut,
/// and then `u` is uniform on those `K` values: drawing `k` uniform in `0..K` gives it
/// exactly. Each trial's pair (goes on, `u`) has the same distribution as with its own draw,
/// independently of the others; only the geometric inversion rounds (as any floating-point
/// sampler does), and it is exact in real arithmetic.
#[derive(Debug, Clone, Copy)]
pub struct Jumps {
    /// `K`: how many of the 2^53 values of a draw lie below the cut.
    below: u64,
    /// `ln(1 - p)`, negative for `0 < p < 1`.
    ln_miss: f64,
}

/// The number of values of rand's `f64` draw in [0, 1).
const DRAW_VALUES: u64 = 1 << 53;

impl Jumps {
    /// The jumps of the trials that go on below `cut` (every trial for a cut above 1 or NaN,
    /// none for a cut at or below 0).
    pub fn new(cut: f64) -> Jumps {
        let scale = DRAW_VALUES as f64;
        // `u < cut` for the values k / 2^53 with k < ceil(cut * 2^53), the product exact.
        let below = if cut.is_nan() || cut >= 1.0 {
            DRAW_VALUES
        } else if cut > 0.0 {
            ((cut * scale).ceil() as u64).clamp(1, DRAW_VALUES)
        } else {
            0
        };
        let p = below as f64 / scale;
        Jumps {
            below,
            ln_miss: (-p).ln_1p(),
        }
    }

    /// The probability `p` that a trial goes on: `P(rng.random::<f64>() < cut)`.
    pub fn probability(&self) -> f64 {
        self.below as f64 / DRAW_VALUES as f64
    }

    /// Does every trial go on (no jump ever passes over one)?
    #[inline]
    pub fn every(&self) -> bool {
        self.below == DRAW_VALUES
    }

    /// How many trials to pass over before the next that goes on: geometric with
    /// `P(skip = g) = (1 - p)^g p`, by inversion (`floor(ln v / ln(1 - p))`, `v` uniform in
    /// (0, 1]); `usize::MAX` when none goes on.
    #[inline]
    pub fn skip(&self, rng: &mut Rng) -> usize {
        if self.every() {
            return 0;
        }
        if self.below == 0 {
            return usize::MAX;
        }
        let v = 1.0 - rng.random::<f64>();
        // A saturating conversion: a jump past every item ends the run.
        (v.ln() / self.ln_miss) as usize
    }

    /// The uniform draw of a trial that goes on: uniform on the values below the cut.
    #[inline]
    pub fn below(&self, rng: &mut Rng) -> f64 {
        if self.every() {
            return rng.random::<f64>();
        }
        rng.random_range(0..self.below) as f64 / DRAW_VALUES as f64
    }

    /// The positions in `0..n` of the trials that go on, each with its uniform draw, in
    /// increasing order.
    #[inline]
    pub fn visit(&self, rng: &mut Rng, n: usize, mut each: impl FnMut(usize, f64)) {
        let mut k = self.skip(rng);
        while k < n {
            let u = self.below(rng);
            each(k, u);
            k = k.saturating_add(1).saturating_add(self.skip(rng));
        }
    }
}

/// Shuffles `items` in place: the same permutation from the same random numbers as rand's
/// `SliceRandom::shuffle` (Durstenfeld's algorithm with several indices taken from one
/// bounded 32-bit draw, `rand::seq::IncreasingUniform`), written out so that it inlines and
/// keeps its state in registers.
pub fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    let len = items.len();
    if len <= 1 {
        return;
    }
    if len >= u32::MAX as usize {
        // rand draws each index apart for such lengths.
        rand::seq::SliceRandom::shuffle(items, rng);
        return;
    }
    // The index for position `i` lies in `0..=i`. One draw below `(i + 1) * (i + 2) * ..`
    // holds the indices of several positions as mixed-radix digits, `left` of them still
    // to take from `chunk` (the last one is `chunk` itself).
    // Position 0 takes index 0 without a draw.
    let mut chunk: u32 = 0;
    let mut left: u8 = 0;
    for i in 1..len {
        let next = i as u32 + 1;
        left = match left.checked_sub(1) {
            Some(l) => l,
            None => {
                let (bound, count) = chunk_bound(next);
                chunk = rng.random_range(..bound);
                count - 1
            }
        };
        let index = if left == 0 {
            chunk
        } else {
            let r = chunk % next;
            chunk /= next;
            r
        };
        items.swap(i, index as usize);
    }
}

/// `(m * (m + 1) * .. * (m + count - 1), count)` for the largest count whose product fits in
/// 32 bits (rand's `calculate_bound_u32`), from a table for the lengths of most shuffles.
#[inline]
fn chunk_bound(m: u32) -> (u32, u8) {
    match CHUNK_BOUNDS.get(m as usize) {
        Some(&b) => b,
        None => chunk_bound_of(m),
    }
}

/// [`chunk_bound`] of `m`.
const fn chunk_bound_of(m: u32) -> (u32, u8) {
    let mut product = m;
    let mut current = m + 1;
    while let Some(p) = product.checked_mul(current) {
        product = p;
        current += 1;
    }
    (product, (current - m) as u8)
}

/// [`chunk_bound_of`] for `m` below 512 (entry 0 unused: positions start at 1).
static CHUNK_BOUNDS: [(u32, u8); 512] = {
    let mut t = [(0, 0); 512];
    let mut m = 1;
    while m < 512 {
        t[m] = chunk_bound_of(m as u32);
        m += 1;
    }
    t
};

/// Uniform index in `0..n` (`n > 0`): the number rand's `rng.random_range(0..n)` gives, from
/// the same use of the generator, written out so that it is inlined into the loops (rand's
/// own is a call). rand draws an index below `2^32` from 32 bits by Canon's method: one
/// widening multiply, and a second draw only when the low half of the first product lies in
/// the last `n` values, where the second may carry 1 into the result.
#[inline(always)]
pub fn index(rng: &mut Rng, n: usize) -> usize {
    let Ok(range) = u32::try_from(n) else {
        return rng.random_range(0..n);
    };
    let m = u64::from(rng.next_u32()) * u64::from(range);
    let (mut result, low) = ((m >> 32) as u32, m as u32);
    if low > range.wrapping_neg() {
        let high = ((u64::from(rng.next_u32()) * u64::from(range)) >> 32) as u32;
        result += u32::from(low.checked_add(high).is_none());
    }
    result as usize
}

/// Index drawn with probability proportional to `weight(k)` over `0..n`, given their `total`.
#[inline]
pub fn weighted(
    rng: &mut Rng,
    n: usize,
    total: f64,
    weight: impl Fn(usize) -> f64,
) -> Option<usize> {
    if n == 0 || total <= 0.0 {
        return None;
    }
    let mut u = rng.random::<f64>() * total;
    let mut last = None;
    for k in 0..n {
        let w = weight(k);
        if w > 0.0 {
            last = Some(k);
            if u < w {
                return Some(k);
            }
            u -= w;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`index`] gives rand's numbers and leaves the generator where rand leaves it, for
    /// small ranges, ranges whose bias check often asks for a second draw (above `2^31`) and
    /// ranges near `2^32` and beyond.
    #[test]
    fn index_is_rands() {
        let mut sizes: Vec<usize> = (1..300).collect();
        for b in [8u32, 16, 24, 31] {
            sizes.extend([(1usize << b) - 1, 1 << b, (1 << b) + 1, 3 << (b - 1)]);
        }
        sizes.extend([u32::MAX as usize, 1 << 32, (1 << 32) + 7, 1 << 40]);
        let mut seeds = Rng::seed_from_u64(7);
        let mut second_draws = 0;
        for &n in &sizes {
            let seed: u64 = seeds.random();
            let (mut a, mut b) = (Rng::seed_from_u64(seed), Rng::seed_from_u64(seed));
            for _ in 0..200 {
                let before = a.clone();
                let x = index(&mut a, n);
                assert_eq!(x, b.random_range(0..n), "range {n}");
                assert!(x < n);
                let mut once = before;
                once.next_u32();
                second_draws += usize::from(once != a);
            }
            assert_eq!(
                a.random::<u64>(),
                b.random::<u64>(),
                "generator after range {n}"
            );
        }
        // The ranges above 2^31 take the second draw often: the case is exercised.
        assert!(second_draws > 100, "{second_draws} second draws");
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: u64 = stream(1, 0, 1).random();
        let b: u64 = stream(1, 0, 2).random();
        let c: u64 = stream(1, 1, 1).random();
        assert!(a != b && a != c && b != c);
        assert_eq!(a, stream(1, 0, 1).random::<u64>());
    }

    /// The tabulated decision agrees with the exact comparison everywhere, in particular for
    /// `u` within a few units in the last place of `logistic(x)`, where only the exact path
    /// can decide.
    #[test]
    fn logistic_table_decides_as_exact() {
        let tab = LogisticTable::new();
        let mut r = stream(7, 0, 0);
        for _ in 0..200_000 {
            let x: f64 = r.random_range(-40.0..40.0);
            let u: f64 = r.random();
            assert_eq!(tab.below(u, x), u < logistic(x), "u {u} x {x}");
            let p = logistic(x);
            for k in -3i64..=3 {
                let v = f64::from_bits((p.to_bits() as i64 + k) as u64);
                assert_eq!(tab.below(v, x), v < p, "u {v} x {x}");
            }
            for d in [MARGIN * 0.5, MARGIN * 0.99, MARGIN * 1.01, MARGIN * 2.0] {
                for v in [p - d, p + d] {
                    assert_eq!(tab.below(v, x), v < p, "u {v} x {x}");
                }
            }
        }
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -SPAN, SPAN, 0.0] {
            for u in [0.0, 0.25, 0.5, 0.999] {
                assert_eq!(tab.below(u, x), u < logistic(x));
            }
        }
    }

    /// [`shuffle`] gives rand's permutation and leaves the generator where rand does, for
    /// every length from 0 to 600 (chunks of 1 to 13 indices, bounds from the table and
    /// beyond it) and a few seeds.
    #[test]
    fn shuffle_is_rands() {
        use rand::seq::SliceRandom;
        for seed in 0..4 {
            for len in 0..=600usize {
                let (mut a, mut b) = (stream(seed, len as u64, 9), stream(seed, len as u64, 9));
                let mut x: Vec<u32> = (0..len as u32).collect();
                let mut y = x.clone();
                shuffle(&mut a, &mut x);
                y.shuffle(&mut b);
                assert_eq!(x, y, "seed {seed} length {len}");
                assert_eq!(
                    a.random::<u64>(),
                    b.random::<u64>(),
                    "seed {seed} length {len}"
                );
            }
        }
    }

    /// [`PoissonDraw`] gives `rand_distr::Poisson`'s draws from the same random numbers, on
    /// both of its methods, and 0 for means it cannot draw from.
    #[test]
    fn poisson_draws_are_rand_distr_s() {
        for mean in [1e-9, 0.05, 0.2, 1.0, 3.7, 11.99, 12.0, 40.0] {
            let draw = PoissonDraw::new(mean);
            let exact = Poisson::new(mean).unwrap();
            let (mut a, mut b) = (stream(5, 0, 1), stream(5, 0, 1));
            for _ in 0..2_000 {
                assert_eq!(
                    draw.sample(&mut a),
                    exact.sample(&mut b) as u32,
                    "mean {mean}"
                );
            }
            assert_eq!(a.random::<u64>(), b.random::<u64>(), "mean {mean}");
        }
        let mut r = stream(5, 0, 2);
        for mean in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(PoissonDraw::new(mean).sample(&mut r), 0);
        }
    }

    /// [`PositivePoisson`] follows the zero-truncated Poisson distribution on both of its
    /// methods: over 200,000 draws each frequency of 1 to 6 lies within 5 standard errors
    /// of its probability `exp(-m) m^k / k! / (1 - exp(-m))` (binomial standard error
    /// `sqrt(p (1 - p) / n)`; 5 of them leave a false alarm about once in 1.7 million per
    /// comparison), and no draw is 0.
    #[test]
    fn positive_poisson_is_zero_truncated() {
        let n = 200_000;
        for mean in [0.01, 0.2, 0.69, 0.7, 1.5, 4.0] {
            let draw = PositivePoisson::new(mean).unwrap();
            let mut r = stream(8, 0, 1);
            let mut count = [0usize; 7];
            for _ in 0..n {
                let k = draw.sample(&mut r) as usize;
                assert!(k >= 1, "mean {mean}");
                count[k.min(6)] += 1;
            }
            let q = 1.0 - (-mean).exp();
            let mut pk = (-mean).exp();
            for (k, &c) in count.iter().enumerate().take(6).skip(1) {
                pk *= mean / k as f64;
                let p = pk / q;
                let se = (p * (1.0 - p) / n as f64).sqrt();
                let freq = c as f64 / n as f64;
                assert!(
                    (freq - p).abs() <= 5.0 * se + 1e-12,
                    "mean {mean} k {k}: {freq} against {p}"
                );
            }
        }
        for mean in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(PositivePoisson::new(mean).is_none());
        }
    }

    /// [`sample_front`] puts each item first, and each ordered pair in the first two places,
    /// equally often: 120,000 samples of 2 out of 5 put each item first within 5 standard
    /// errors of 1/5 and each of the 20 ordered pairs within 5 of 1/20; `m` beyond the
    /// length takes every item, and the items stay a permutation.
    #[test]
    fn sample_front_is_uniform() {
        let n = 120_000;
        let mut r = stream(9, 0, 1);
        let mut first = [0usize; 5];
        let mut pairs = [[0usize; 5]; 5];
        for _ in 0..n {
            let mut x = [0u32, 1, 2, 3, 4];
            sample_front(&mut r, &mut x, 2);
            let mut sorted = x;
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3, 4]);
            first[x[0] as usize] += 1;
            pairs[x[0] as usize][x[1] as usize] += 1;
        }
        let within = |c: usize, p: f64| {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            (c as f64 / n as f64 - p).abs() <= 5.0 * se
        };
        assert!(first.iter().all(|&c| within(c, 0.2)), "{first:?}");
        for (a, row) in pairs.iter().enumerate() {
            for (b, &c) in row.iter().enumerate() {
                if a == b {
                    assert_eq!(c, 0);
                } else {
                    assert!(within(c, 0.05), "{a} {b}: {c}");
                }
            }
        }
        let mut x = [7u32, 8, 9];
        sample_front(&mut r, &mut x, 10);
        x.sort_unstable();
        assert_eq!(x, [7, 8, 9]);
    }

    /// [`Jumps`] reaches each position with the probability of a draw below the cut and gives
    /// it a draw uniform below the cut: over 40,000 runs of 40 positions, each position's
    /// count lies within 5 binomial standard errors of `p` runs, the draws' mean within 5
    /// standard errors (`cut / sqrt(12 n)`) of `cut / 2`, and no draw reaches the cut. `p`
    /// counts rand's 53-bit draw values below the cut exactly; cuts at or below 0 reach
    /// nothing, cuts at or above 1 (or NaN) everything.
    #[test]
    fn jumps_reach_each_trial_with_its_chance() {
        assert_eq!(Jumps::new(0.5).probability(), 0.5);
        assert_eq!(
            Jumps::new(0.1).probability(),
            (0.1 * 2f64.powi(53)).ceil() / 2f64.powi(53)
        );
        assert_eq!(Jumps::new(1e-300).probability(), 2f64.powi(-53));
        let (runs, n) = (40_000, 40);
        for cut in [
            -1.0,
            0.0,
            0.003,
            0.07,
            0.39,
            0.95,
            1.0,
            f64::INFINITY,
            f64::NAN,
        ] {
            let jumps = Jumps::new(cut);
            let p = jumps.probability();
            let mut r = stream(10, 0, 1);
            let mut count = vec![0usize; n];
            let (mut sum, mut draws) = (0.0, 0usize);
            for _ in 0..runs {
                let mut last = None;
                jumps.visit(&mut r, n, |k, u| {
                    assert!(last.is_none_or(|l| k > l), "cut {cut}: positions in order");
                    last = Some(k);
                    assert!(
                        u >= 0.0 && (u < cut || cut.is_nan() || cut > 1.0),
                        "{cut} {u}"
                    );
                    count[k] += 1;
                    sum += u;
                    draws += 1;
                });
            }
            let se = (p * (1.0 - p) / runs as f64).sqrt();
            for (k, &c) in count.iter().enumerate() {
                let freq = c as f64 / runs as f64;
                assert!(
                    (freq - p).abs() <= 5.0 * se + 1e-12,
                    "cut {cut} at {k}: {freq}"
                );
            }
            if draws > 0 {
                let top = p;
                let mean_se = top / (12.0 * draws as f64).sqrt();
                let mean = sum / draws as f64;
                assert!(
                    (mean - top / 2.0).abs() <= 5.0 * mean_se,
                    "cut {cut}: mean {mean}"
                );
            }
        }
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut r = stream(3, 0, 0);
        for _ in 0..1000 {
            let k = weighted(&mut r, 3, 2.0, |k| if k == 1 { 0.0 } else { 1.0 }).unwrap();
            assert_ne!(k, 1);
        }
    }
}
