//! The ABC distance: statistics scaled by their prior-predictive spread, so that statistics on
//! different scales (counts of ties, shares, clustering) weigh alike.

use super::spec::Scale;
use serde::{Deserialize, Serialize};

/// Scale of each statistic, and which statistics enter the distance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scales {
    /// Scale of each statistic (1 for unused ones).
    #[serde(with = "super::checkpoint::exact_vec")]
    pub scale: Vec<f64>,
    /// False for a statistic with no spread under the prior (it cannot inform the fit) or never
    /// finite.
    pub used: Vec<bool>,
}

pub use crate::stats::quantile::median;

/// Scales from prior-predictive statistics (one row per simulation; NaN values left out): the
/// normal-consistent MAD (1.4826 x median absolute deviation), or the sd, falling back from a
/// zero MAD to the sd.
pub fn scales(stats: &[Vec<f64>], kind: Scale) -> Scales {
    let k = stats.first().map_or(0, Vec::len);
    let mut scale = vec![1.0; k];
    let mut used = vec![false; k];
    for j in 0..k {
        let col: Vec<f64> = stats
            .iter()
            .map(|r| r[j])
            .filter(|x| x.is_finite())
            .collect();
        if col.len() < 2 {
            continue;
        }
        let m = col.iter().sum::<f64>() / col.len() as f64;
        let sd =
            (col.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (col.len() - 1) as f64).sqrt();
        let s = match kind {
            Scale::Sd => sd,
            Scale::Mad => {
                let med = median(&col);
                let dev: Vec<f64> = col.iter().map(|x| (x - med).abs()).collect();
                let mad = 1.4826 * median(&dev);
                if mad > 0.0 { mad } else { sd }
            }
        };
        if s > 0.0 && s.is_finite() {
            scale[j] = s;
            used[j] = true;
        }
    }
    Scales { scale, used }
}

/// Root mean square of the scaled differences over the used statistics,
/// `sqrt(mean_k ((sim_k - obs_k) / scale_k)^2)`; infinite when a used statistic is NaN.
pub fn distance(sim: &[f64], obs: &[f64], s: &Scales) -> f64 {
    let mut sum = 0.0;
    let mut n = 0usize;
    for k in 0..obs.len() {
        if !s.used[k] {
            continue;
        }
        let z = (sim[k] - obs[k]) / s.scale[k];
        if !z.is_finite() {
            return f64::INFINITY;
        }
        sum += z * z;
        n += 1;
    }
    if n == 0 {
        f64::INFINITY
    } else {
        (sum / n as f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_distance() {
        let stats = vec![
            vec![0.0, 5.0, 1.0],
            vec![2.0, 5.0, f64::NAN],
            vec![4.0, 5.0, 3.0],
        ];
        let s = scales(&stats, Scale::Sd);
        assert_eq!(s.used, vec![true, false, true]);
        assert!((s.scale[0] - 2.0).abs() < 1e-12);
        let d = distance(&[2.0, 0.0, 1.0], &[0.0, 9.0, 1.0], &s);
        assert!((d - (0.5f64).sqrt()).abs() < 1e-12);
        assert_eq!(
            distance(&[f64::NAN, 0.0, 0.0], &[0.0; 3], &s),
            f64::INFINITY
        );
        let m = scales(&stats, Scale::Mad);
        assert!((m.scale[0] - 1.4826 * 2.0).abs() < 1e-12);
    }
}
