//! Integer allocations: apportionment of counts over weights, and grants over territories.

/// Largest-remainder (Hamilton) apportionment of `total` over `weights` (non-negative, not all
/// 0): every share is the floor of its quota or one more, and the shares sum to `total`. Equal
/// remainders go to the lower index first.
pub(super) fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let given: usize = out.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&i, &j| {
        let fi = quotas[i] - quotas[i].floor();
        let fj = quotas[j] - quotas[j].floor();
        fj.total_cmp(&fi).then(i.cmp(&j))
    });
    // `given` can exceed `total` only by rounding of the quotas; trim from the smallest
    // remainders in that case.
    if given <= total {
        for &i in order.iter().cycle().take(total - given) {
            out[i] += 1;
        }
    } else {
        let mut excess = given - total;
        for &i in order.iter().rev() {
            if excess == 0 {
                break;
            }
            if out[i] > 0 {
                out[i] -= 1;
                excess -= 1;
            }
        }
    }
    out
}

/// Grants, in whole units, for territories of the given sizes: the largest territory (the first
/// one on ties) gets exactly `hi`, the smallest (the first other one on ties) exactly `lo`, and
/// the others `lo + (hi - lo) x^gamma` rounded, where `x` in [0.02, 0.98] grows linearly with
/// size and `gamma` is set so that the grants sum to exactly `total`. Grants thus grow with
/// size (up to one unit of rounding). The caller has checked that `total` is feasible.
pub(super) fn grants(sizes: &[usize], total: u64, lo: u64, hi: u64) -> Vec<u64> {
    let t = sizes.len();
    if t == 0 {
        return Vec::new();
    }
    if t == 1 {
        return vec![total];
    }
    let smax = *sizes.iter().max().unwrap_or(&0);
    let smin = *sizes.iter().min().unwrap_or(&0);
    let top = sizes.iter().position(|&s| s == smax).unwrap_or(0);
    let bottom = (0..t)
        .filter(|&i| i != top)
        .min_by_key(|&i| (sizes[i], i))
        .unwrap_or(0);
    let mut out = vec![0u64; t];
    out[top] = hi;
    out[bottom] = lo;
    let middle: Vec<usize> = (0..t).filter(|&i| i != top && i != bottom).collect();
    if middle.is_empty() {
        return out;
    }
    const EPS: f64 = 0.02;
    let xs: Vec<f64> = middle
        .iter()
        .map(|&i| {
            if smax == smin {
                0.5
            } else {
                EPS + (1.0 - 2.0 * EPS) * (sizes[i] - smin) as f64 / (smax - smin) as f64
            }
        })
        .collect();
    let target = total as f64 - (lo + hi) as f64;
    let span = (hi - lo) as f64;
    let sum_at = |g: f64| -> f64 {
        xs.iter()
            .map(|x| lo as f64 + span * x.powf(g.exp()))
            .sum::<f64>()
    };
    // The sum decreases as ln(gamma) grows; bisect on ln(gamma).
    let (mut a, mut b) = (-40.0_f64, 40.0_f64);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if sum_at(m) > target {
            a = m;
        } else {
            b = m;
        }
    }
    let g = (0.5 * (a + b)).exp();
    let reals: Vec<f64> = xs
        .iter()
        .map(|x| (lo as f64 + span * x.powf(g)).clamp(lo as f64, hi as f64))
        .collect();
    let mut ints: Vec<u64> = reals.iter().map(|r| r.floor() as u64).collect();
    let mut left = target.round() as i64 - ints.iter().map(|&v| v as i64).sum::<i64>();
    let mut order: Vec<usize> = (0..middle.len()).collect();
    order.sort_by(|&i, &j| {
        let fi = reals[i] - reals[i].floor();
        let fj = reals[j] - reals[j].floor();
        fj.total_cmp(&fi).then(i.cmp(&j))
    });
    // Hand out (or take back) the rounding residual one unit at a time, largest remainders
    // first, never leaving [lo, hi]. The residual is at most the number of middle territories.
    let mut guard = 0;
    while left != 0 && guard < 4 * order.len() + 4 {
        guard += 1;
        if left > 0 {
            for &k in &order {
                if left > 0 && ints[k] < hi {
                    ints[k] += 1;
                    left -= 1;
                }
            }
        } else {
            for &k in order.iter().rev() {
                if left < 0 && ints[k] > lo {
                    ints[k] -= 1;
                    left += 1;
                }
            }
        }
    }
    for (k, &i) in middle.iter().enumerate() {
        out[i] = ints[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_and_is_fair() {
        assert_eq!(apportion(22, &[13.0, 5.0, 4.0]), vec![13, 5, 4]);
        let a = apportion(147, &[0.0, 0.3, 0.6, 0.07, 0.03]);
        assert_eq!(a.iter().sum::<usize>(), 147);
        assert_eq!(a, vec![0, 44, 88, 10, 5]);
        assert_eq!(apportion(3, &[1.0, 1.0]), vec![2, 1]);
        assert_eq!(apportion(0, &[1.0]), vec![0]);
    }

    #[test]
    fn grants_hit_bounds_and_total() {
        let sizes = [5, 9, 4, 17, 8, 8, 6, 12, 4];
        let g = grants(&sizes, 3_000, 179, 867);
        assert_eq!(g.iter().sum::<u64>(), 3_000);
        assert_eq!(*g.iter().min().unwrap(), 179);
        assert_eq!(*g.iter().max().unwrap(), 867);
        assert_eq!(g[3], 867);
        assert_eq!(g[2], 179);
        assert!(g.iter().all(|&v| (179..=867).contains(&v)));
        // Larger territories never get less (beyond one unit of rounding).
        for i in 0..sizes.len() {
            for j in 0..sizes.len() {
                if sizes[i] > sizes[j] {
                    assert!(g[i] + 1 >= g[j], "{sizes:?} -> {g:?}");
                }
            }
        }
        // Extremes of the feasible range.
        let g = grants(&sizes, 8 * 179 + 867, 179, 867);
        assert_eq!(g.iter().sum::<u64>(), 8 * 179 + 867);
        let g = grants(&sizes, 179 + 8 * 867, 179, 867);
        assert_eq!(g.iter().sum::<u64>(), 179 + 8 * 867);
        // Equal sizes and two territories.
        let g = grants(&[5, 5, 5, 5], 2_000, 100, 900);
        assert_eq!(g.iter().sum::<u64>(), 2_000);
        assert_eq!(g[0], 900);
        assert_eq!(g[1], 100);
        assert_eq!(grants(&[5, 7], 1_000, 300, 700), vec![300, 700]);
    }
}
