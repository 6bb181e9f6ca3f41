//! A joint goodness-of-fit test of auxiliary statistics, in the Mahalanobis form of RSiena's
//! `sienaGOF` (Lospinoso and Snijders 2019): for a vector of auxiliary statistics (the
//! cumulative degree distribution, the cumulative geodesic distance distribution, the
//! edgewise-shared-partner distribution), the distance of a vector `x` from the simulated ones
//! is `(x - mean)' Sigma^+ (x - mean)`, with the mean and covariance `Sigma` of the simulated
//! vectors and `Sigma^+` its Moore-Penrose inverse (statistics that never vary drop out); the
//! p-value is the share of simulated vectors at least as far as the observed one. A test is
//! made per observed wave and jointly, on the statistics summed over the waves (`sienaGOF`'s
//! `join = TRUE`).

use super::summary::mean_and_covariance;
use crate::network::Snapshot;
use crate::stats::ScopeGraph;
use nalgebra::{DMatrix, DVector, SymmetricEigen};

/// Degrees `0..=DEGREE_MAX` of the cumulative degree distribution (RSiena's default levels).
pub const DEGREE_MAX: usize = 8;
/// Distances `1..=DISTANCE_MAX` of the cumulative geodesic distance distribution.
pub const DISTANCE_MAX: usize = 5;
/// Shared partners `0..=ESP_MAX` of the edgewise-shared-partner distribution (the last counts
/// `ESP_MAX` or more).
pub const ESP_MAX: usize = 5;

/// The families of auxiliary statistics.
pub const FAMILIES: [&str; 3] = ["degree", "geodesic", "esp"];

/// The auxiliary statistics of one network: for each family of [`FAMILIES`], its names and
/// values.
pub fn auxiliary(s: &Snapshot) -> Vec<Vec<f64>> {
    let g = ScopeGraph::network(s);
    let n = g.n();
    // Cumulative degree distribution: organisations with degree <= d.
    let mut by_degree = vec![0.0; DEGREE_MAX + 1];
    for i in 0..n {
        let d = g.degree(i);
        for (k, c) in by_degree.iter_mut().enumerate() {
            if d <= k {
                *c += 1.0;
            }
        }
    }
    // Cumulative geodesic distribution: pairs within distance k.
    let counts = crate::stats::geodesic_distribution(s);
    let mut by_distance = vec![0.0; DISTANCE_MAX];
    let mut acc = 0.0;
    for (k, c) in by_distance.iter_mut().enumerate() {
        acc += counts.get(k + 1).copied().unwrap_or(0) as f64;
        *c = acc;
    }
    // Edgewise shared partners: ties whose ends have k common neighbours.
    let mut esp = vec![0.0; ESP_MAX + 1];
    for i in 0..n {
        let ni = g.neighbors(i);
        for &j in ni.iter().filter(|&&j| (j as usize) > i) {
            let nj = g.neighbors(j as usize);
            let (mut a, mut b, mut common) = (0, 0, 0usize);
            while a < ni.len() && b < nj.len() {
                match ni[a].cmp(&nj[b]) {
                    std::cmp::Ordering::Less => a += 1,
                    std::cmp::Ordering::Greater => b += 1,
                    std::cmp::Ordering::Equal => {
                        common += 1;
                        a += 1;
                        b += 1;
                    }
                }
            }
            esp[common.min(ESP_MAX)] += 1.0;
        }
    }
    vec![by_degree, by_distance, esp]
}

/// Names of the auxiliary statistics of a family.
pub fn names(family: &str) -> Vec<String> {
    match family {
        "degree" => (0..=DEGREE_MAX).map(|d| format!("degree<={d}")).collect(),
        "geodesic" => (1..=DISTANCE_MAX)
            .map(|d| format!("distance<={d}"))
            .collect(),
        _ => (0..=ESP_MAX)
            .map(|k| {
                if k == ESP_MAX {
                    format!("esp{k}+")
                } else {
                    format!("esp{k}")
                }
            })
            .collect(),
    }
}

/// One joint test.
#[derive(Debug, Clone, PartialEq)]
pub struct GofTest {
    /// Family of auxiliary statistics (`degree`, `geodesic`, `esp`).
    pub family: String,
    /// Wave (1-based), or `None` for the joint test over the waves summed.
    pub wave: Option<usize>,
    /// Names of the auxiliary statistics.
    pub names: Vec<String>,
    /// Observed values.
    pub observed: Vec<f64>,
    /// Simulated values, one vector per draw.
    pub simulated: Vec<Vec<f64>>,
    /// Mahalanobis distance of the observed vector.
    pub distance: f64,
    /// Mahalanobis distance of each simulated vector.
    pub distances: Vec<f64>,
    /// Share of simulated distances at or above the observed one.
    pub p_value: f64,
    /// Rank of the covariance (statistics that vary, net of linear dependence).
    pub rank: usize,
}

/// The Moore-Penrose inverse of a symmetric positive semi-definite matrix and its rank
/// (eigenvalues below `1e-10` of the largest count as zero).
pub fn pseudo_inverse(a: &DMatrix<f64>) -> (DMatrix<f64>, usize) {
    let n = a.nrows();
    if n == 0 {
        return (DMatrix::zeros(0, 0), 0);
    }
    let e = SymmetricEigen::new(a.clone());
    let top = e.eigenvalues.amax();
    let kept = |l: f64| top > 0.0 && l > 1e-10 * top;
    let rank = e.eigenvalues.iter().filter(|&&l| kept(l)).count();
    let inv = e.eigenvalues.map(|l| if kept(l) { 1.0 / l } else { 0.0 });
    let v = &e.eigenvectors;
    (v * DMatrix::from_diagonal(&inv) * v.transpose(), rank)
}

/// The test of one observed vector against simulated ones.
pub fn mahalanobis_test(
    family: &str,
    wave: Option<usize>,
    observed: Vec<f64>,
    simulated: Vec<Vec<f64>>,
) -> GofTest {
    let (mean, cov) = mean_and_covariance(&simulated);
    let (inv, rank) = pseudo_inverse(&cov);
    let dist = |x: &[f64]| -> f64 {
        let d = DVector::from_iterator(x.len(), x.iter().zip(&mean).map(|(a, b)| a - b));
        (d.transpose() * &inv * &d)[(0, 0)].max(0.0)
    };
    let distance = dist(&observed);
    let distances: Vec<f64> = simulated.iter().map(|x| dist(x)).collect();
    let n = distances.len().max(1) as f64;
    // A relative tolerance, so that a draw equal to the observed vector counts as "as far".
    let p_value = distances
        .iter()
        .filter(|&&d| d >= distance * (1.0 - 1e-9))
        .count() as f64
        / n;
    GofTest {
        family: family.into(),
        wave,
        names: names(family),
        observed,
        simulated,
        distance,
        distances,
        p_value,
        rank,
    }
}

/// The tests of every family, per wave in `waves` (1-based) and jointly over them, from the
/// auxiliary statistics of the observed waves (`observed[k]` for wave `k + 1`) and of each
/// simulated run (`runs[r][k]`).
pub fn tests(
    observed: &[Vec<Vec<f64>>],
    runs: &[Vec<Vec<Vec<f64>>>],
    waves: &[usize],
) -> Vec<GofTest> {
    let mut out = Vec::new();
    if runs.is_empty() {
        return out;
    }
    let waves: Vec<usize> = waves
        .iter()
        .copied()
        .filter(|&w| w >= 1 && w <= observed.len() && runs.iter().all(|r| w <= r.len()))
        .collect();
    for (f, family) in FAMILIES.iter().enumerate() {
        let sum = |per_wave: &dyn Fn(usize) -> Vec<f64>| -> Vec<f64> {
            let mut acc: Vec<f64> = Vec::new();
            for &w in &waves {
                let v = per_wave(w);
                if acc.is_empty() {
                    acc = v;
                } else {
                    for (a, b) in acc.iter_mut().zip(v) {
                        *a += b;
                    }
                }
            }
            acc
        };
        for &w in &waves {
            out.push(mahalanobis_test(
                family,
                Some(w),
                observed[w - 1][f].clone(),
                runs.iter().map(|r| r[w - 1][f].clone()).collect(),
            ));
        }
        if waves.len() > 1 {
            let obs = sum(&|w| observed[w - 1][f].clone());
            let sims = runs.iter().map(|r| sum(&|w| r[w - 1][f].clone())).collect();
            out.push(mahalanobis_test(family, None, obs, sims));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_inverse_drops_constant_statistics() {
        // Variances 4 and 0: the inverse is 1/4 on the first and 0 on the second.
        let (inv, rank) = pseudo_inverse(&DMatrix::from_row_slice(2, 2, &[4.0, 0.0, 0.0, 0.0]));
        assert_eq!(rank, 1);
        assert!((inv[(0, 0)] - 0.25).abs() < 1e-12);
        assert!(inv[(1, 1)].abs() < 1e-12);
    }

    #[test]
    fn p_value_is_the_share_of_draws_as_far_as_the_observation() {
        // Draws 0..9 on one statistic (mean 4.5): the observation at 4.5 is at distance 0, so
        // every draw is as far (p = 1); one at 100 is beyond every draw (p = 0).
        let sims: Vec<Vec<f64>> = (0..10).map(|i| vec![i as f64, 1.0]).collect();
        let t = mahalanobis_test("degree", Some(2), vec![4.5, 1.0], sims.clone());
        assert_eq!(t.p_value, 1.0);
        assert_eq!(t.rank, 1);
        let t = mahalanobis_test("degree", Some(2), vec![100.0, 1.0], sims.clone());
        assert_eq!(t.p_value, 0.0);
        // At 9 (distance 4.5^2 / var) only the draws 0 and 9 are as far: p = 0.2.
        let t = mahalanobis_test("degree", Some(2), vec![9.0, 1.0], sims);
        assert!((t.p_value - 0.2).abs() < 1e-12, "{}", t.p_value);
    }
}
