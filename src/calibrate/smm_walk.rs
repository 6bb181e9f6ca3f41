//! The profile walk of the method of moments' profile intervals: for each parameter, the
//! minimum of the surrogate's distance over the other parameters, walked out from the
//! minimiser in both directions until it passes the chi-square quantiles, with the interval
//! ends found by bisection (`super::smm_intervals` describes the surrogate).
//!
//! The surrogate is trusted to twice its cloud's radius. Where the minimum over the other
//! parameters reaches that edge (the ridge leaves the surrogate), a further cloud is simulated
//! at the edge point and the walk goes on with the surrogate fitted there, at most
//! `calibration.smm.profile_extensions` times per side; after that the profile is taken as flat
//! and the interval runs on to the search bound, flagged [`EndKind::Unbounded`]. Every end says
//! how it was found ([`EndKind`]).

use super::smm_eval::{Eval, affine_to};
use super::smm_intervals::Surrogate;
use crate::error::Result;
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// Profile steps per standard error when walking out from the minimiser.
const STEPS_PER_SE: f64 = 20.0;
/// The walk stops once the profile exceeds this (4 standard errors' worth): beyond it a
/// rank is in the extreme bins whatever its exact value.
const STOP: f64 = 16.0;
/// Most steps of a walk on each side.
const MAX_STEPS: usize = 4000;
/// Bisection steps refining an interval's end.
const BISECT: usize = 30;

/// An affine set of `z`: `z0 + N u`.
struct Slice {
    z0: DVector<f64>,
    n: DMatrix<f64>,
}

impl Slice {
    fn z(&self, u: &[f64]) -> Vec<f64> {
        let mut z = Vec::with_capacity(self.z0.len());
        affine_to(
            &self.z0,
            &self.n,
            u,
            &mut DVector::zeros(self.z0.len()),
            &mut z,
        );
        z
    }
}

/// Buffers of one minimisation, reused over its steps ([`Eval`] for the surrogate's, the
/// rest for the step's normal equations).
struct Work {
    eval: Eval,
    /// `N u`.
    nu: DVector<f64>,
    /// A point `z` of the slice.
    z: Vec<f64>,
    /// The Jacobian in `u` and its transpose.
    j: DMatrix<f64>,
    jt: DMatrix<f64>,
    /// The gradient and the Gauss-Newton matrix.
    g: DVector<f64>,
    h: DMatrix<f64>,
}

impl Work {
    fn new(s: &Surrogate, slice: &Slice) -> Work {
        let (k, (p, q)) = (s.target.len(), slice.n.shape());
        Work {
            eval: Eval::new(s),
            nu: DVector::zeros(p),
            z: Vec::with_capacity(p),
            j: DMatrix::zeros(k, q),
            jt: DMatrix::zeros(q, k),
            g: DVector::zeros(q),
            h: DMatrix::zeros(q, q),
        }
    }

    /// The distance at `z0 + N u` (the point left in `self.z`).
    fn distance(&mut self, s: &Surrogate, slice: &Slice, u: &[f64]) -> f64 {
        let Work { eval, nu, z, .. } = self;
        distance_at(s, slice, u, nu, z, eval)
    }

    /// The gradient `J' r` and the Gauss-Newton matrix `J' J` at `z0 + N u`, `J` the
    /// whitened residual's Jacobian in `u`.
    fn normal_equations(&mut self, s: &Surrogate, slice: &Slice, u: &[f64]) {
        affine_to(&slice.z0, &slice.n, u, &mut self.nu, &mut self.z);
        s.residual_with(&self.z, &mut self.eval);
        self.eval.jac.mul_to(&slice.n, &mut self.j);
        self.j.transpose_to(&mut self.jt);
        self.jt.mul_to(&self.eval.r, &mut self.g);
        self.jt.mul_to(&self.j, &mut self.h);
    }
}

/// The distance at `z0 + N u`, with `N u` into `nu` and the point into `z`.
fn distance_at(
    s: &Surrogate,
    slice: &Slice,
    u: &[f64],
    nu: &mut DVector<f64>,
    z: &mut Vec<f64>,
    eval: &mut Eval,
) -> f64 {
    affine_to(&slice.z0, &slice.n, u, nu, z);
    s.distance_with(z, eval)
}

/// Levenberg-Marquardt minimisation of `d` over `u` in a slice, from `u`, staying inside
/// `|z| <= z_max` and the search bounds; returns `(d, u)`.
fn minimise(s: &Surrogate, slice: &Slice, u: &[f64]) -> (f64, Vec<f64>) {
    let q = slice.n.ncols();
    let mut u = u.to_vec();
    // Inside the trusted ball and the search box: outside the box the surrogate extrapolates
    // from cloud points moved onto its faces.
    let inside = |z: &[f64]| {
        z.iter().map(|x| x * x).sum::<f64>() <= s.z_max * s.z_max
            && s.theta_at(z)
                .iter()
                .zip(&s.bounds)
                .all(|(t, (lo, hi))| *lo <= *t && *t <= *hi)
    };
    let mut w = Work::new(s, slice);
    let mut best = w.distance(s, slice, &u);
    if q == 0 {
        return (best, u);
    }
    let mut lambda = 1e-3;
    for _ in 0..100 {
        w.normal_equations(s, slice, &u);
        let Work {
            eval, nu, z, g, h, ..
        } = &mut w;
        let mut improved = false;
        for _ in 0..30 {
            // `H + diag(lambda (H_ii + 1e-12))`.
            let damped = DMatrix::from_fn(q, q, |a, b| {
                h[(a, b)]
                    + match a == b {
                        true => lambda * (h[(a, a)] + 1e-12),
                        false => 0.0,
                    }
            });
            let Some(step) = damped.lu().solve(&(-&*g)) else {
                lambda *= 10.0;
                continue;
            };
            let next: Vec<f64> = u.iter().zip(step.iter()).map(|(a, b)| a + b).collect();
            let d = distance_at(s, slice, &next, nu, z, eval);
            if d < best && inside(z) {
                let gain = best - d;
                u = next;
                best = d;
                lambda = (lambda / 3.0).max(1e-12);
                improved = gain > 1e-14 * (1.0 + best);
                break;
            }
            lambda *= 4.0;
        }
        if !improved {
            break;
        }
    }
    (best, u)
}

/// Minimises over a slice from `u` and from `u` moved a little along each direction (so that
/// a start on a saddle, where a new branch of the ridge opens, finds the branch).
fn minimise_starts(s: &Surrogate, slice: &Slice, u: &[f64]) -> (f64, Vec<f64>) {
    let mut best = minimise(s, slice, u);
    for i in 0..u.len() {
        for sign in [-1.0, 1.0] {
            let mut v = u.to_vec();
            v[i] += 0.25 * sign;
            let c = minimise(s, slice, &v);
            if c.0 < best.0 - 1e-12 {
                best = c;
            }
        }
    }
    best
}

/// How an interval's end was found (the `*_end` columns of `smm_intervals.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndKind {
    /// Where the profile of the surrogate around the estimate crosses the quantile.
    Profile,
    /// Where the profile crosses it on a surrogate extended along the ridge (a further cloud
    /// simulated where the ridge left the trusted region).
    Extended,
    /// The search bound: the profile stays below the quantile up to it, within trusted
    /// surrogates.
    Bound,
    /// The search bound, taken because the ridge left the last trusted surrogate with the
    /// extensions used up: the data, as far as the surrogates show, do not bound the parameter
    /// on that side.
    Unbounded,
    /// The delta method's end (`wald` rows, or a fit without a surrogate).
    Delta,
}

impl EndKind {
    /// Name in `smm_intervals.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EndKind::Profile => "profile",
            EndKind::Extended => "extended",
            EndKind::Bound => "bound",
            EndKind::Unbounded => "unbounded",
            EndKind::Delta => "delta",
        }
    }
}

/// One side of a parameter's profile: the points `(x, P(x))` walked out from the minimiser,
/// with the running maximum of the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    /// `(x, P(x), running maximum of P)`, from the minimiser outwards.
    pub points: Vec<(f64, f64, f64)>,
    /// The walk stopped where the ridge left the last trusted surrogate (the last point is
    /// then the search bound, with the profile taken as flat up to it).
    pub unbounded: bool,
    /// Surrogates extended along the ridge on this side.
    pub extensions: usize,
}

/// A parameter's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterProfile {
    /// The minimiser's value of the parameter.
    pub centre: f64,
    /// The walk below the centre.
    pub lower: Walk,
    /// The walk above the centre.
    pub upper: Walk,
    /// Interval ends at each level of [`LEVELS`], refined by bisection.
    pub intervals: Vec<(f64, f64)>,
    /// How each end of [`Self::intervals`] was found.
    pub ends: Vec<(EndKind, EndKind)>,
}

/// The levels at which intervals are computed: 50%, 80%, 95%.
pub const LEVELS: [f64; 3] = [0.5, 0.8, 0.95];

/// The profile intervals of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Per parameter.
    pub parameters: Vec<ParameterProfile>,
    /// The smallest distance of the surrogate (about 0 for a converged fit).
    pub min_distance: f64,
    /// Simulations run for the clouds (the first and the extensions).
    pub simulations: u64,
    /// Clouds simulated to extend the surrogate along a ridge.
    pub extensions: usize,
    /// Cloud points whose runs all left a moment undefined (left out).
    pub failed_points: usize,
}

impl Profile {
    /// How many interval ends at `level` were found each way, in the order of [`EndKind`]'s
    /// first four kinds: profile, extended, bound, unbounded.
    pub fn end_counts(&self, level: f64) -> [usize; 4] {
        let mut n = [0; 4];
        let i = LEVELS.iter().position(|&q| (q - level).abs() < 1e-12);
        for pp in &self.parameters {
            let Some(&(a, b)) = i.map(|i| &pp.ends[i]) else {
                continue;
            };
            for k in [a, b] {
                match k {
                    EndKind::Profile => n[0] += 1,
                    EndKind::Extended => n[1] += 1,
                    EndKind::Bound => n[2] += 1,
                    EndKind::Unbounded => n[3] += 1,
                    EndKind::Delta => {}
                }
            }
        }
        n
    }
}

/// The chi-square(1) quantile of a central interval at level `q`: `z_((1 + q) / 2)^2`.
pub fn threshold(q: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .expect("standard normal")
        .inverse_cdf(0.5 + q / 2.0)
        .powi(2)
}

/// The set of `z` with `theta_j` fixed: `z0(x) + N u` (`N` an orthonormal basis of the
/// complement of row `j` of `L`).
fn slice_for(s: &Surrogate, j: usize, x: f64) -> Slice {
    let p = s.theta.len();
    let row: DVector<f64> = s.l.row(j).transpose();
    let norm2 = row.norm_squared();
    let z0 = &row * ((x - s.theta[j]) / norm2);
    let e = &row / norm2.sqrt();
    let mut basis: Vec<DVector<f64>> = Vec::new();
    for i in 0..p {
        let mut v = DVector::zeros(p);
        v[i] = 1.0;
        v -= &e * e.dot(&v);
        for b in &basis {
            v -= b * b.dot(&v);
        }
        if v.norm() > 0.1 && basis.len() < p - 1 {
            basis.push(v.normalize());
        }
    }
    let n = if basis.is_empty() {
        DMatrix::zeros(p, 0)
    } else {
        DMatrix::from_columns(&basis)
    };
    Slice { z0, n }
}

/// The profile of parameter `j` at `x`, from `u`: `(P(x), u)`.
fn profile_at(s: &Surrogate, j: usize, x: f64, dmin: f64, u: &[f64]) -> (f64, Vec<f64>) {
    let (d, u) = minimise_starts(s, &slice_for(s, j, x), u);
    ((d - dmin).max(0.0), u)
}

/// The coordinates `u` of `z` in the slice of parameter `j`.
fn project(s: &Surrogate, j: usize, x: f64, z: &[f64]) -> Vec<f64> {
    let slice = slice_for(s, j, x);
    let v = DVector::from_column_slice(z) - &slice.z0;
    (slice.n.transpose() * v).iter().copied().collect()
}

/// Simulates a further cloud centred at a parameter point and fits the surrogate there,
/// anchored as the surrogate it continues is (`Surrogate::extend`); its arguments are the
/// surrogate the ridge left, the centre, and the cloud's number (which sets its points).
/// `None` when the regression is singular. The walks, which run in parallel, share it.
pub type Extend<'a> = dyn Fn(&Surrogate, &[f64], u64) -> Result<Option<Surrogate>> + Sync + 'a;

/// What a walk needs besides the surrogate: the parameter, the smallest distance, the search
/// bound on its side, the direction, and how to extend the surrogate (at most `extensions`
/// times, clouds numbered from `first_cloud`).
struct Side<'a> {
    j: usize,
    dmin: f64,
    bound: f64,
    sign: f64,
    extend: &'a Extend<'a>,
    extensions: usize,
    first_cloud: u64,
}

/// A walk with the surrogates it used and, at each point, the surrogate's index and the
/// minimiser's slice coordinates in it.
struct Walked {
    walk: Walk,
    chain: Vec<Surrogate>,
    trail: Vec<(usize, Vec<f64>)>,
}

/// Whitened coordinates of `theta` about surrogate `s`'s centre.
fn local(s: &Surrogate, theta: &[f64]) -> Option<Vec<f64>> {
    let v = DVector::from_iterator(theta.len(), theta.iter().zip(&s.theta).map(|(a, b)| a - b));
    s.l.solve_lower_triangular(&v)
        .map(|z| z.iter().copied().collect())
}

/// Walks the profile of parameter `side.j` from the minimiser `z_min` of `base`. Where the
/// minimum over the other parameters reaches the edge of the trusted region, a further cloud
/// is simulated at that point and the walk goes on with its surrogate (at most
/// `side.extensions` times); after that the profile is taken as flat up to the search bound.
fn walk(base: &Surrogate, z_min: &[f64], side: &Side) -> Result<Walked> {
    let j = side.j;
    let se = base.l.row(j).norm();
    let centre = base.theta_at(z_min)[j];
    let step = se / STEPS_PER_SE;
    let mut chain = vec![base.clone()];
    let mut u = project(base, j, centre, z_min);
    let mut points = vec![(centre, 0.0, 0.0)];
    let mut trail = vec![(0, u.clone())];
    let (mut running, mut unbounded) = (0.0_f64, false);
    let mut k = 1;
    while k <= MAX_STEPS {
        let mut x = centre + side.sign * step * k as f64;
        let last = (x - side.bound) * side.sign >= 0.0;
        if last {
            x = side.bound;
        }
        let s = chain.last().expect("the base surrogate");
        let (pj, next) = profile_at(s, j, x, side.dmin, &u);
        let z = slice_for(s, j, x).z(&next);
        if !last && z.iter().map(|v| v * v).sum::<f64>().sqrt() >= 0.999 * s.z_max {
            // The minimum lies on the edge of the trusted region: extend the surrogate there
            // and take the step again, or, with the extensions used up, take the profile as
            // flat up to the search bound.
            let at = s.theta_at(&z);
            let cloud = side.first_cloud + chain.len() as u64 - 1;
            let extended = match chain.len() <= side.extensions {
                true => (side.extend)(s, &at, cloud)?,
                false => None,
            };
            if let Some((e, z)) = extended.and_then(|e| local(&e, &at).map(|z| (e, z))) {
                u = project(&e, j, x, &z);
                chain.push(e);
                continue;
            }
            points.push((side.bound, running, running));
            trail.push((chain.len() - 1, u.clone()));
            unbounded = true;
            break;
        }
        u = next;
        running = running.max(pj);
        points.push((x, pj, running));
        trail.push((chain.len() - 1, u.clone()));
        if last || running >= STOP {
            break;
        }
        k += 1;
    }
    let extensions = chain.len() - 1;
    Ok(Walked {
        walk: Walk {
            points,
            unbounded,
            extensions,
        },
        chain,
        trail,
    })
}

/// The end of the interval at threshold `c` on one side, and how it was found: bisection in
/// the first step where the running maximum reaches `c`, or the walk's last point when it
/// never does.
fn end(j: usize, dmin: f64, w: &Walked, c: f64) -> (f64, EndKind) {
    let pts = &w.walk.points;
    let Some(k) = pts.iter().position(|p| p.2 >= c) else {
        let kind = match w.walk.unbounded {
            true => EndKind::Unbounded,
            false => EndKind::Bound,
        };
        return (pts.last().expect("a walk has its centre").0, kind);
    };
    if k == 0 {
        return (pts[0].0, EndKind::Profile);
    }
    let (si, uk) = &w.trail[k];
    let s = &w.chain[*si];
    let (mut inside, mut outside) = (pts[k - 1].0, pts[k].0);
    // The inner point's minimiser is a start in the same surrogate only.
    let mut u = match w.trail[k - 1].0 == *si {
        true => w.trail[k - 1].1.clone(),
        false => uk.clone(),
    };
    for _ in 0..BISECT {
        let mid = 0.5 * (inside + outside);
        let (pm, um) = profile_at(s, j, mid, dmin, &u);
        if pm < c {
            inside = mid;
            u = um;
        } else {
            outside = mid;
        }
    }
    let kind = match si {
        0 => EndKind::Profile,
        _ => EndKind::Extended,
    };
    (0.5 * (inside + outside), kind)
}

/// A walk with its interval's ends on its side at each level of [`LEVELS`].
type WalkEnds = (Walk, Vec<(f64, EndKind)>);

/// Most extension clouds of one side of one parameter: the clouds' numbers leave room for
/// this many (validation keeps `profile_extensions` below it).
pub const MAX_EXTENSIONS: usize = crate::scenario::calibration::MAX_PROFILE_EXTENSIONS;

/// The profile intervals of a surrogate within the search bounds, extending it along a ridge
/// with `extend` at most `extensions` times per interval end.
pub fn profile(
    s: &Surrogate,
    bounds: &[(f64, f64)],
    extend: &Extend,
    extensions: usize,
) -> Result<(Vec<ParameterProfile>, f64)> {
    let p = s.theta.len();
    let whole = Slice {
        z0: DVector::zeros(p),
        n: DMatrix::identity(p, p),
    };
    let s = &Surrogate {
        bounds: bounds.to_vec(),
        ..s.clone()
    };
    let (dmin, z_min) = minimise_starts(s, &whole, &vec![0.0; p]);
    let side = |j: usize, k: usize| Side {
        j,
        dmin,
        bound: if k == 0 { bounds[j].0 } else { bounds[j].1 },
        sign: if k == 0 { -1.0 } else { 1.0 },
        extend,
        extensions,
        first_cloud: 1 + ((2 * j + k) * MAX_EXTENSIONS) as u64,
    };
    // The 2 p walks are independent (each extends its own chain of surrogates from the
    // base, with clouds numbered by parameter and side), so they run in parallel; each
    // walk's arithmetic is sequential, so the result does not depend on the threads. The
    // results are taken in the walks' order, so the first error is the sequential one.
    let sides: Vec<Result<WalkEnds>> = (0..2 * p)
        .into_par_iter()
        .map(|w| {
            let (j, k) = (w / 2, w % 2);
            let walked = walk(s, &z_min, &side(j, k))?;
            let ends = LEVELS
                .iter()
                .map(|&q| end(j, dmin, &walked, threshold(q)))
                .collect();
            Ok((walked.walk, ends))
        })
        .collect();
    let mut sides = sides.into_iter();
    let mut parameters = Vec::with_capacity(p);
    while let (Some(lower), Some(upper)) = (sides.next(), sides.next()) {
        let ((lower, lo), (upper, hi)) = (lower?, upper?);
        parameters.push(ParameterProfile {
            centre: lower.points[0].0,
            lower,
            upper,
            intervals: lo.iter().zip(&hi).map(|(l, h)| (l.0, h.0)).collect(),
            ends: lo.iter().zip(&hi).map(|(l, h)| (l.1, h.1)).collect(),
        });
    }
    Ok((parameters, dmin))
}

impl ParameterProfile {
    /// The interval at `level`, one of [`LEVELS`].
    pub fn interval(&self, level: f64) -> Option<(f64, f64)> {
        LEVELS
            .iter()
            .position(|&q| (q - level).abs() < 1e-12)
            .map(|i| self.intervals[i])
    }

    /// Where `x` falls in the profile's distribution: `Phi(+-sqrt(M(x)))`, `M` the running
    /// maximum of the profile from the centre to `x` (interpolated between walked points),
    /// negative below the centre. `x` lies in the interval at level `q` exactly when this is
    /// within `(1 -+ q) / 2`, as a normal rank is for the delta method's intervals.
    pub fn rank(&self, x: f64) -> f64 {
        let (walk, sign) = if x < self.centre {
            (&self.lower, -1.0)
        } else {
            (&self.upper, 1.0)
        };
        let pts = &walk.points;
        let k = pts.iter().position(|p| (p.0 - x) * sign >= 0.0);
        let m = match k {
            None => pts.last().expect("a walk has its centre").2.max(STOP),
            Some(0) => 0.0,
            Some(k) => {
                let (a, b) = (pts[k - 1], pts[k]);
                let w = if b.0 == a.0 {
                    1.0
                } else {
                    (x - a.0) / (b.0 - a.0)
                };
                a.2 + w * (b.2 - a.2)
            }
        };
        Normal::new(0.0, 1.0)
            .expect("standard normal")
            .cdf(sign * m.sqrt())
    }
}
