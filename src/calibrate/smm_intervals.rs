//! Profile intervals of the method of moments: intervals that follow a curved ridge of the
//! moment function where the delta method's symmetric intervals are too short on one side.
//!
//! After a converged fit, a **cloud** of parameter points is simulated around the estimate
//! `theta^` (`calibration.smm.profile_points` points, uniform in the ball of radius
//! `calibration.smm.profile_radius` in the coordinates `z` whitened by the delta-method
//! covariance `V = L L'`, `theta = theta^ + L z`, so the cloud reaches farthest along the
//! ridge), each point `calibration.smm.profile_runs` times with common random numbers (the
//! same streams at every point). A quadratic regression of each moment on `z` over the cloud
//! is the **surrogate** of the moment function; it is anchored at phase 3's precise mean
//! moments at the estimate, `m(z) = mean_3 + q(z) - q(0)`, so that the cloud's few runs per
//! point set only its shape (differences, which common random numbers make precise).
//!
//! The distance of a point from the data is `d(theta) = r' Sigma^-1 r`, `r = s_obs - m`,
//! with `Sigma` the moments' covariance at the estimate (plus the squared standard errors of
//! targets given with one), as in the delta method. The **profile** of parameter `j` is
//! `P_j(x) = min { d(theta) : theta_j = x } - min d`; the interval at level `q` is the
//! connected set of `x` around the minimiser where `P_j` stays below the chi-square(1)
//! quantile `chi2_q` (3.84 for 95%). When the moments are linear in the parameters,
//! `P_j(x) = (x - theta^_j)^2 / V_jj` and the interval is the delta method's,
//! `theta^_j -+ z_q se_j` (tested below); along a curved ridge it is longer on the side the
//! ridge bends to. The cloud reaches at most a sixth of the search box's width from the
//! estimate in any parameter ([`cloud_scale`]). The surrogate is trusted to twice the cloud's
//! radius: the minimisation over the other parameters stays inside that ball, and where its
//! minimum lies on the edge a further cloud is simulated there and the profile goes on with
//! its surrogate ([`Surrogate::extend`], [`super::smm_walk`]), at most
//! `calibration.smm.profile_extensions` times per side, after which the profile is taken as
//! flat and the interval runs on to the search bound.
//!
//! Every simulation's stream derives from (seed, run), common to all points of all clouds, and
//! each cloud's points from (seed, cloud, point), so the intervals do not depend on the number
//! of threads.

use super::problem::{Problem, derive_seed};
use super::smm::{Moments, Smm, SmmState, Stage, precise_standard_errors, search_bounds};
use super::solver::Solver;
use super::spec::SmmSettings;
use crate::error::{Error, Result};
use crate::model::rng;
use nalgebra::{DMatrix, DVector};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

pub use super::smm_walk::{
    EndKind, Extend, LEVELS, MAX_EXTENSIONS, ParameterProfile, Profile, Walk, profile, threshold,
};

/// Stream tag of the interval cloud; distinct from every other calibration tag (the
/// pilot of the start search uses 14), so the cloud's draws are independent of the pilot's.
const TAG_CLOUD: u64 = 17;
const TAG_RUNS: u64 = 15;

/// The quadratic surrogate of the moments in whitened coordinates, and the metric.
#[derive(Debug, Clone)]
pub struct Surrogate {
    /// The estimate.
    pub theta: Vec<f64>,
    /// Cholesky factor of the delta-method covariance: `theta = theta^ + L z`.
    pub l: DMatrix<f64>,
    /// Regression coefficients, moments by features (`1, z_i, z_i z_k` for `i <= k`).
    pub coef: DMatrix<f64>,
    /// Mean moments at the estimate (the anchor).
    pub anchor: Vec<f64>,
    /// Observed moments.
    pub target: Vec<f64>,
    /// Inverse Cholesky factor of the moments' covariance: `d = |A r|^2`.
    pub a: DMatrix<f64>,
    /// `A` times the coefficients, the whitened residual's Jacobian before the features'
    /// (computed once: the walks' minimisations ask for the Jacobian at every step).
    pub(super) a_coef: DMatrix<f64>,
    /// Largest `|z|` trusted (twice the cloud's radius).
    pub z_max: f64,
    /// The search bounds, within which the profile minimises over the other parameters
    /// (unbounded from [`Surrogate::fit`]; [`profile`] sets them).
    pub bounds: Vec<(f64, f64)>,
}

/// Quadratic features of `z`: `1, z_1..z_p, z_i z_k (i <= k)`.
fn features(z: &[f64]) -> Vec<f64> {
    let p = z.len();
    let mut f = Vec::with_capacity(1 + p + p * (p + 1) / 2);
    f.push(1.0);
    f.extend_from_slice(z);
    for i in 0..p {
        for k in i..p {
            f.push(z[i] * z[k]);
        }
    }
    f
}

/// Number of quadratic features in `p` dimensions.
pub fn feature_count(p: usize) -> usize {
    1 + p + p * (p + 1) / 2
}

/// The simulated cloud: points in whitened coordinates and their mean moments.
#[derive(Debug, Clone, PartialEq)]
pub struct Cloud {
    /// Points `z`.
    pub z: Vec<Vec<f64>>,
    /// Mean moments at each point.
    pub values: Vec<Vec<f64>>,
}

impl Surrogate {
    /// Fits the surrogate to the cloud, anchored at the mean moments `anchor` at `theta`;
    /// `None` when the regression is singular.
    pub fn fit(
        theta: &[f64],
        l: DMatrix<f64>,
        anchor: &[f64],
        target: &[f64],
        moment_cov: &DMatrix<f64>,
        cloud: &Cloud,
        z_max: f64,
    ) -> Option<Surrogate> {
        let (z, values) = (&cloud.z, &cloud.values);
        let (n, k) = (z.len(), target.len());
        let nf = feature_count(theta.len());
        if n < nf {
            return None;
        }
        let x = DMatrix::from_fn(n, nf, |i, c| features(&z[i])[c]);
        let y = DMatrix::from_fn(n, k, |i, c| values[i][c]);
        let svd = x.svd(true, true);
        let top = svd.singular_values.max();
        if top.is_nan() || top <= 0.0 || svd.singular_values.min() < 1e-10 * top {
            return None;
        }
        let b = svd.solve(&y, 1e-12 * top).ok()?; // features by moments
        let a = moment_cov.clone().cholesky()?.l().try_inverse()?;
        let coef = b.transpose();
        Some(Surrogate {
            theta: theta.to_vec(),
            l,
            a_coef: &a * &coef,
            coef,
            anchor: anchor.to_vec(),
            target: target.to_vec(),
            a,
            z_max,
            bounds: vec![(f64::NEG_INFINITY, f64::INFINITY); theta.len()],
        })
    }

    /// The surrogate continued along a ridge: fitted to a further cloud simulated around
    /// `centre` (in the same whitening `L`, with the same common random numbers), trusted to
    /// the same radius about it. It is anchored as this one is: `m(z) = mean_3 + q'(z) -
    /// q(0)` with `q'` the new regression and `q` the first cloud's, so that its values are
    /// the first cloud's anchor plus differences between runs on the same streams. `None`
    /// when the regression is singular.
    pub fn extend(
        &self,
        centre: &[f64],
        moment_cov: &DMatrix<f64>,
        cloud: &Cloud,
    ) -> Option<Surrogate> {
        let mut e = Surrogate::fit(
            centre,
            self.l.clone(),
            &self.anchor,
            &self.target,
            moment_cov,
            cloud,
            self.z_max,
        )?;
        e.bounds = self.bounds.clone();
        // anchor' = anchor - q(0) + q'(0): the intercepts are the first column.
        for (i, a) in e.anchor.iter_mut().enumerate() {
            *a += e.coef[(i, 0)] - self.coef[(i, 0)];
        }
        Some(e)
    }

    /// Parameters at `z`.
    pub(super) fn theta_at(&self, z: &[f64]) -> Vec<f64> {
        let t = &self.l * DVector::from_column_slice(z);
        self.theta
            .iter()
            .zip(t.iter())
            .map(|(a, b)| a + b)
            .collect()
    }
}

/// Share of the search box the cloud may reach on each side of the estimate, per parameter.
const CLOUD_SHARE: f64 = 1.0 / 6.0;

/// The factor that shrinks the cloud `L z`, `|z| <= radius`, so that it reaches no further
/// than [`CLOUD_SHARE`] of the search box's width from the estimate in any parameter (1 when
/// it does not reach so far). Where the moments hardly move along a ridge the delta method's
/// standard errors run to tens of units, and a quadratic fitted over a cloud that wide (its
/// points piled up on the box's faces) misses the curvature near the estimate.
fn cloud_scale(l: &DMatrix<f64>, bounds: &[(f64, f64)], radius: f64) -> f64 {
    (0..l.nrows())
        .map(|j| {
            let reach = radius * l.row(j).norm();
            let room = CLOUD_SHARE * (bounds[j].1 - bounds[j].0);
            if reach > room && room.is_finite() {
                room / reach
            } else {
                1.0
            }
        })
        .fold(1.0, f64::min)
}

/// Points of cloud number `id` (0 around the estimate, others extending the surrogate):
/// uniform in the ball of radius `radius` in `p` dimensions.
fn cloud(p: usize, n: usize, radius: f64, seed: u64, id: u64) -> Vec<Vec<f64>> {
    (0..n as u64)
        .map(|i| {
            let mut r = rng::stream(derive_seed(seed, TAG_CLOUD, id), i, 0);
            let g: Vec<f64> = (0..p).map(|_| StandardNormal.sample(&mut r)).collect();
            let norm = g.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-300);
            let u: f64 = r.random();
            let scale = radius * u.powf(1.0 / p as f64) / norm;
            g.iter().map(|x| x * scale).collect()
        })
        .collect()
}

/// What simulating a cloud needs: the problem and its moments, the search bounds, the
/// whitening factor `L`, the settings and the seed.
struct Simulator<'a> {
    problem: &'a Problem,
    moments: Moments,
    bounds: &'a [(f64, f64)],
    l: DMatrix<f64>,
    settings: &'a SmmSettings,
    seed: u64,
}

/// A simulated cloud, with its simulations and the points left out.
struct Simulated {
    cloud: Cloud,
    simulations: u64,
    failed: usize,
}

impl Simulator<'_> {
    /// Simulates cloud number `id` centred at `centre`: its points `centre + L z`, moved
    /// inside the search bounds, each `profile_runs` times with common random numbers (run `r`
    /// of every point of every cloud uses the same stream), in whitened coordinates about the
    /// centre. Points whose runs left a moment undefined are left out.
    fn simulate(&self, centre: &[f64], id: u64) -> Result<Simulated> {
        let p = centre.len();
        let (l, settings) = (&self.l, self.settings);
        let linv = l.clone().try_inverse().ok_or_else(|| {
            Error::Other("profile intervals: the delta-method covariance is singular".into())
        })?;
        let points: Vec<(Vec<f64>, Vec<f64>)> = cloud(
            p,
            settings.profile_points,
            settings.profile_radius,
            self.seed,
            id,
        )
        .into_iter()
        .map(|z| {
            let t = l * DVector::from_column_slice(&z);
            let th: Vec<f64> = centre
                .iter()
                .zip(t.iter())
                .zip(self.bounds)
                .map(|((a, b), (lo, hi))| (a + b).clamp(*lo, *hi))
                .collect();
            let back = &linv * DVector::from_iterator(p, th.iter().zip(centre).map(|(a, b)| a - b));
            (th, back.iter().copied().collect())
        })
        .collect();
        let runs = settings.profile_runs;
        let master = derive_seed(self.seed, TAG_RUNS, 0);
        let (problem, moments) = (self.problem, &self.moments);
        let values: Vec<Option<Vec<f64>>> = points
            .par_iter()
            .map(|(th, _)| -> Result<Option<Vec<f64>>> {
                let mut sum = vec![0.0; moments.target.len()];
                let mut ok = 0usize;
                for r in 0..runs as u64 {
                    let s = moments.reduce(&problem.simulate(th, master, r)?);
                    if s.iter().all(|x| x.is_finite()) {
                        sum.iter_mut().zip(&s).for_each(|(a, b)| *a += b);
                        ok += 1;
                    }
                }
                Ok((ok == runs).then(|| sum.iter().map(|x| x / ok as f64).collect()))
            })
            .collect::<Result<_>>()?;
        let (mut zs, mut vs) = (Vec::new(), Vec::new());
        for ((_, z), v) in points.iter().zip(values) {
            if let Some(v) = v {
                zs.push(z.clone());
                vs.push(v);
            }
        }
        Ok(Simulated {
            failed: points.len() - zs.len(),
            simulations: (points.len() * runs) as u64,
            cloud: Cloud { z: zs, values: vs },
        })
    }
}

/// Profile intervals of a converged method-of-moments fit: simulates the cloud, fits the
/// surrogate and profiles it, extending it along the ridge where needed (module
/// description). `None` for a fit without phase 3 or whose delta-method covariance is not
/// positive definite.
pub fn profile_intervals(
    problem: &Problem,
    state: &SmmState,
    settings: &SmmSettings,
    seed: u64,
) -> Result<Option<Profile>> {
    let Some(p3) = state.phase3.as_ref() else {
        return Ok(None);
    };
    let Some(chol) = p3.covariance.clone().cholesky() else {
        return Ok(None);
    };
    let theta = &state.theta;
    let bounds = &state.bounds;
    let sim = Simulator {
        problem,
        moments: super::smm_combine::moments_for(problem, state),
        bounds,
        l: chol.l() * cloud_scale(&chol.l(), bounds, settings.profile_radius),
        settings,
        seed,
    };
    let first = sim.simulate(theta, 0)?;
    let k = sim.moments.target.len();
    let total = &p3.moment_covariance
        + DMatrix::from_diagonal(&DVector::from_iterator(
            k,
            sim.moments.se.iter().map(|x| x * x),
        ));
    let Some(s) = Surrogate::fit(
        theta,
        sim.l.clone(),
        &p3.mean,
        &sim.moments.target,
        &total,
        &first.cloud,
        2.0 * settings.profile_radius,
    ) else {
        return Ok(None);
    };
    // Counts added up by the walks, which run in parallel (sums of integers, so in any order).
    let (simulations, failed, extensions) = (
        AtomicU64::new(first.simulations),
        AtomicUsize::new(first.failed),
        AtomicUsize::new(0),
    );
    let extend = |from: &Surrogate, centre: &[f64], id: u64| -> Result<Option<Surrogate>> {
        let centre: Vec<f64> = centre
            .iter()
            .zip(bounds)
            .map(|(x, (lo, hi))| x.clamp(*lo, *hi))
            .collect();
        let more = sim.simulate(&centre, id)?;
        simulations.fetch_add(more.simulations, Ordering::Relaxed);
        failed.fetch_add(more.failed, Ordering::Relaxed);
        extensions.fetch_add(1, Ordering::Relaxed);
        Ok(from.extend(&centre, &total, &more.cloud))
    };
    let (parameters, min_distance) = profile(&s, bounds, &extend, settings.profile_extensions)?;
    Ok(Some(Profile {
        parameters,
        min_distance,
        simulations: simulations.into_inner(),
        extensions: extensions.into_inner(),
        failed_points: failed.into_inner(),
    }))
}

/// Phase 3 of the method of moments at a given estimate, without a search: the mean moments,
/// their covariance and the derivative that [`profile_intervals`] starts from, as a fit that
/// ended at `theta` has them (its convergence as phase 3 finds it), with the standard errors of
/// a converged fit (the derivative on `se_runs` runs) whether or not this phase 3 meets the
/// convergence rule. For intervals around an estimate found earlier, and for tests.
pub fn phase3_at(
    problem: &Problem,
    theta: &[f64],
    settings: &SmmSettings,
    seed: u64,
) -> Result<SmmState> {
    let mut settings = settings.clone();
    // Phase 3 once: no further round, start or continuation.
    (settings.rounds, settings.starts, settings.continuations) = (1, 1, 0);
    let p = theta.len();
    let state = SmmState {
        stage: Stage::Phase3,
        theta: theta.to_vec(),
        start: theta.to_vec(),
        starts: vec![theta.to_vec()],
        ..SmmState::blank(p, search_bounds(problem, settings.widen))
    };
    let mut state = Smm {
        settings: settings.clone(),
    }
    .next(problem, state, seed)?;
    if let Some(p3) = state.phase3.as_mut() {
        // A no-op when phase 3 converged and took them already.
        state.simulations += precise_standard_errors(
            problem,
            &Moments::of(problem),
            &settings,
            &state.bounds,
            theta,
            p3,
            seed,
            0,
        )?;
    }
    if state.theta != theta {
        return Err(Error::Other(
            "phase 3 at a given estimate moved the estimate".into(),
        ));
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cloud once shared the pilot's tag, so that the cloud's points and the pilot's prior
    /// draws came from the same streams; every stream tag of the method must be its own.
    #[test]
    fn the_method_of_moments_stream_tags_are_distinct() {
        use crate::calibrate::{smm, smm_start};
        let tags = [
            smm::TAG_PHASE1,
            smm::TAG_PHASE2,
            smm::TAG_PHASE3,
            smm_start::TAG_PILOT,
            TAG_CLOUD,
            TAG_RUNS,
            smm::TAG_STANDARD_ERRORS,
        ];
        for (i, a) in tags.iter().enumerate() {
            for b in &tags[i + 1..] {
                assert_ne!(a, b, "stream tag {a} is used twice");
            }
        }
    }

    /// A surrogate fitted to a cloud of exact moment values `m(theta)`.
    fn exact(
        theta: &[f64],
        d: &DMatrix<f64>,
        sigma: &DMatrix<f64>,
        m: impl Fn(&[f64]) -> Vec<f64>,
    ) -> Surrogate {
        let dinv = d.clone().try_inverse().unwrap();
        let v = &dinv * sigma * dinv.transpose();
        let l = v.cholesky().unwrap().l();
        let zs = cloud(theta.len(), 200, 4.0, 1, 0);
        let values: Vec<Vec<f64>> = zs
            .iter()
            .map(|z| {
                let t = &l * DVector::from_column_slice(z);
                let th: Vec<f64> = theta.iter().zip(t.iter()).map(|(a, b)| a + b).collect();
                m(&th)
            })
            .collect();
        let anchor = m(theta);
        let c = Cloud { z: zs, values };
        Surrogate::fit(theta, l, &anchor, &anchor, sigma, &c, 8.0).unwrap()
    }

    #[test]
    fn linear_moments_give_the_delta_method_intervals() {
        // Linear moments `s_obs + D (theta - theta^)`: the profile of parameter j is
        // `(x - theta^_j)^2 / V_jj`, so every interval is `theta^_j -+ z_q se_j`. The only
        // error is the bisection's and the minimiser's (1e-9 of an se allowed; the bisection
        // alone is 2^-30 of a 1/20 se step).
        let theta = [0.5, -1.0, 2.0];
        let d = DMatrix::from_row_slice(3, 3, &[2.0, 0.7, -0.3, 0.4, 1.5, 0.2, -0.6, 0.9, 3.0]);
        let sigma = DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.1, 0.3, 2.0, -0.4, 0.1, -0.4, 0.5]);
        let s_obs = [10.0, 20.0, 30.0];
        let s = exact(&theta, &d, &sigma, |t| {
            let x = DVector::from_iterator(3, t.iter().zip(&theta).map(|(a, b)| a - b));
            let m = &d * x;
            s_obs.iter().zip(m.iter()).map(|(a, b)| a + b).collect()
        });
        let dinv = d.clone().try_inverse().unwrap();
        let v = &dinv * &sigma * dinv.transpose();
        let bounds = vec![(-1e3, 1e3); 3];
        let (params, dmin) = profile(&s, &bounds, &no_extension, 0).unwrap();
        assert!(dmin < 1e-20, "{dmin}");
        for (j, pp) in params.iter().enumerate() {
            let se = v[(j, j)].sqrt();
            for (q, (lo, hi)) in LEVELS.iter().zip(&pp.intervals) {
                let half = threshold(*q).sqrt() * se;
                assert!((lo - (theta[j] - half)).abs() < 1e-9 * se, "{j} {q}: {lo}");
                assert!((hi - (theta[j] + half)).abs() < 1e-9 * se, "{j} {q}: {hi}");
            }
            // The rank is the normal one: 1.96 se above the estimate is at 0.975.
            let r = pp.rank(theta[j] + 1.959_963_985 * se);
            assert!((r - 0.975).abs() < 1e-4, "{r}");
            assert!((pp.rank(theta[j]) - 0.5).abs() < 1e-9);
        }
    }

    #[test]
    fn a_curved_ridge_lengthens_the_interval_on_the_side_it_bends_to() {
        // m = (theta_1 + theta_2^2 / 2, theta_2), identity covariance, observed (0, 0) at the
        // estimate (0, 0), where D = I and the delta method gives -+1.96 for both. The
        // profile of theta_1 is theta_1^2 above 0 and, below -1, 1/(4 a^2) + (-1/(2a) -
        // theta_1) / a = -1 - 2 theta_1 (a = 1/2, the other parameter leaving 0 along the
        // ridge): the 95% interval is (-(1 + 3.8415) / 2, 1.96). theta_2's profile is
        // theta_2^2 (theta_1 follows the ridge exactly), so its interval is the delta
        // method's.
        let i2 = DMatrix::identity(2, 2);
        let s = exact(&[0.0, 0.0], &i2, &i2, |t| {
            vec![t[0] + 0.5 * t[1] * t[1], t[1]]
        });
        let (params, _) = profile(&s, &[(-50.0, 50.0), (-50.0, 50.0)], &no_extension, 0).unwrap();
        let c = threshold(0.95);
        let (lo, hi) = params[0].intervals[2];
        assert!((lo + (1.0 + c) / 2.0).abs() < 1e-6, "{lo}");
        assert!((hi - c.sqrt()).abs() < 1e-6, "{hi}");
        let (lo, hi) = params[1].intervals[2];
        assert!((lo + c.sqrt()).abs() < 1e-6 && (hi - c.sqrt()).abs() < 1e-6);
    }

    /// No extension: the surrogate ends at its first trusted edge.
    fn no_extension(_: &Surrogate, _: &[f64], _: u64) -> Result<Option<Surrogate>> {
        Ok(None)
    }

    /// A cloud of exact moment values `m(centre + z)` (whitening `L = I`), of radius `radius`.
    fn exact_cloud(
        centre: &[f64],
        radius: f64,
        id: u64,
        m: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
    ) -> Cloud {
        let z = cloud(centre.len(), 100, radius, 1, id);
        let values = z
            .iter()
            .map(|z| m(&centre.iter().zip(z).map(|(a, b)| a + b).collect::<Vec<_>>()))
            .collect();
        Cloud { z, values }
    }

    /// The surrogate of exact moments `m` about 0 with `L = I` and identity covariance, cloud
    /// radius `radius` and trusted radius `2 radius`, observed `m(0)`, and the extension that
    /// simulates exact clouds of the same radius; profiled within `bounds`, extending each
    /// side at most `extensions` times.
    fn ridge(
        m: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
        radius: f64,
        bounds: &[(f64, f64)],
        extensions: usize,
    ) -> Vec<ParameterProfile> {
        let p = bounds.len();
        let zero = vec![0.0; p];
        let anchor = m(&zero);
        let sigma = DMatrix::identity(anchor.len(), anchor.len());
        let c = exact_cloud(&zero, radius, 0, m);
        let l = DMatrix::identity(p, p);
        let s = Surrogate::fit(&zero, l, &anchor, &anchor, &sigma, &c, 2.0 * radius).unwrap();
        let extend = |from: &Surrogate, centre: &[f64], id: u64| {
            Ok(from.extend(centre, &sigma, &exact_cloud(centre, radius, id, m)))
        };
        profile(&s, bounds, &extend, extensions).unwrap().0
    }

    #[test]
    fn a_ridge_leaving_the_trusted_region_is_followed_by_extended_surrogates() {
        // The ridge of the test above, m = (theta_1 + theta_2^2 / 2, theta_2), with a cloud
        // of radius 0.5 trusted to 1: theta_1's 95% profile interval (-2.42, 1.96) ends where
        // the minimiser over theta_2 is 2.9 from the estimate (theta_2 = 1.69), so the walk
        // needs surrogates further along the ridge on both sides. The moments are quadratic,
        // so every extension is exact, and the ends are the exact ones up to the bisection
        // and the minimiser (1e-6). Without extensions the profile is taken as flat from the
        // first edge (at |theta| = 1) and both intervals run to the search bounds.
        let m = |t: &[f64]| vec![t[0] + 0.5 * t[1] * t[1], t[1]];
        let bounds = [(-50.0, 50.0), (-50.0, 50.0)];
        let c = threshold(0.95);
        let params = ridge(&m, 0.5, &bounds, 8);
        let (lo, hi) = params[0].intervals[2];
        assert!((lo + (1.0 + c) / 2.0).abs() < 1e-6, "{lo}");
        assert!((hi - c.sqrt()).abs() < 1e-6, "{hi}");
        assert_eq!(params[0].ends[2], (EndKind::Extended, EndKind::Extended));
        assert!(
            params[0].lower.extensions >= 2,
            "{:?}",
            params[0].lower.extensions
        );
        let (lo, hi) = params[1].intervals[2];
        assert!(
            (lo + c.sqrt()).abs() < 1e-6 && (hi - c.sqrt()).abs() < 1e-6,
            "{lo} {hi}"
        );
        // The 50% interval of theta_1, (-0.67, 0.67), lies inside the first surrogate.
        let (lo, hi) = params[0].intervals[0];
        let half = threshold(0.5).sqrt();
        assert!(
            (lo + half).abs() < 1e-6 && (hi - half).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert_eq!(params[0].ends[0], (EndKind::Profile, EndKind::Profile));
        // The rank at the exact 95% end is 0.025.
        let r = params[0].rank(-(1.0 + c) / 2.0);
        assert!((r - 0.025).abs() < 1e-4, "{r}");
        // Without extensions: the bounds, flagged.
        let flat = ridge(&m, 0.5, &bounds, 0);
        assert_eq!(flat[0].intervals[2], (-50.0, 50.0));
        assert_eq!(flat[0].ends[2], (EndKind::Unbounded, EndKind::Unbounded));
        assert!(flat[0].lower.unbounded && flat[0].lower.extensions == 0);
    }

    #[test]
    fn a_flat_direction_still_ends_at_the_search_bound_flagged() {
        // m = (theta_1, theta_1 / 2): theta_2 moves no moment, so its profile is 0 everywhere
        // and every extension finds the same flat surrogate; after the two allowed the
        // interval runs to the search bound, flagged `unbounded`. theta_1's profile is
        // 1.25 x^2 whatever theta_2, so its 95% interval is -+sqrt(3.84 / 1.25) = -+1.75,
        // beyond the first trusted region (radius 1): found by an extension.
        let m = |t: &[f64]| vec![t[0], 0.5 * t[0]];
        let params = ridge(&m, 0.5, &[(-5.0, 5.0), (-50.0, 50.0)], 2);
        for (q, (lo, hi)) in LEVELS.iter().zip(&params[1].intervals) {
            assert_eq!((*lo, *hi), (-50.0, 50.0), "{q}");
        }
        assert_eq!(params[1].ends[2], (EndKind::Unbounded, EndKind::Unbounded));
        assert_eq!(params[1].lower.extensions, 2);
        assert_eq!(params[1].upper.extensions, 2);
        let end = (threshold(0.95) / 1.25).sqrt();
        let (lo, hi) = params[0].intervals[2];
        assert!(
            (lo + end).abs() < 1e-6 && (hi - end).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert_eq!(params[0].ends[2], (EndKind::Extended, EndKind::Extended));
        // A search box inside the trusted region: the walk reaches the bound with the
        // profile below the quantile, an end of kind `bound` without any extension.
        let boxed = ridge(&m, 0.5, &[(-5.0, 5.0), (-0.5, 0.5)], 2);
        assert_eq!(boxed[1].intervals[2], (-0.5, 0.5));
        assert_eq!(boxed[1].ends[2], (EndKind::Bound, EndKind::Bound));
        assert_eq!(boxed[1].lower.extensions, 0);
    }

    #[test]
    fn the_cloud_fills_the_ball_and_depends_on_the_seed_only() {
        let a = cloud(5, 300, 4.0, 7, 0);
        assert_eq!(a, cloud(5, 300, 4.0, 7, 0));
        assert_ne!(a, cloud(5, 300, 4.0, 8, 0));
        assert_ne!(a, cloud(5, 300, 4.0, 7, 1));
        let r: Vec<f64> = a
            .iter()
            .map(|z| z.iter().map(|x| x * x).sum::<f64>().sqrt())
            .collect();
        assert!(r.iter().all(|x| *x <= 4.0));
        // Uniform in the ball: P(|z| <= 4 * 0.5^(1/5)) = 1/2; 300 points give a binomial se
        // of 0.029, so 0.5 -+ 0.12 fails by chance with probability below 1e-4.
        let inner = r.iter().filter(|x| **x <= 4.0 * 0.5f64.powf(0.2)).count() as f64 / 300.0;
        assert!((inner - 0.5).abs() < 0.12, "{inner}");
    }
}
