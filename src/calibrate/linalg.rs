//! Small dense linear algebra for calibration: a handful of parameters and statistics, so plain
//! row-major `Vec<Vec<f64>>` matrices and textbook algorithms suffice.

/// A dense matrix as rows.
pub type Matrix = Vec<Vec<f64>>;

/// The `n x n` identity.
pub fn identity(n: usize) -> Matrix {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

/// Transpose.
pub fn transpose(a: &Matrix) -> Matrix {
    let (r, c) = (a.len(), a.first().map_or(0, Vec::len));
    (0..c).map(|j| (0..r).map(|i| a[i][j]).collect()).collect()
}

/// Matrix product `a b`.
pub fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    let inner = b.len();
    let cols = b.first().map_or(0, Vec::len);
    a.iter()
        .map(|row| {
            (0..cols)
                .map(|j| (0..inner).map(|k| row[k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

/// Matrix times vector `a x`.
pub fn mul_vec(a: &Matrix, x: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

/// Inverse by Gauss-Jordan elimination with partial pivoting; `None` when the matrix is
/// singular (a pivot smaller than `1e-12` times the largest entry).
pub fn inverse(a: &Matrix) -> Option<Matrix> {
    let n = a.len();
    let scale = a
        .iter()
        .flatten()
        .fold(0.0f64, |m, &x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    let mut m: Matrix = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let piv = (col..n).max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs()))?;
        if m[piv][col].abs() <= 1e-12 * scale || m[piv][col].is_nan() {
            return None;
        }
        m.swap(col, piv);
        let p = m[col][col];
        for x in m[col].iter_mut() {
            *x /= p;
        }
        let pivot_row = m[col].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col];
                if f != 0.0 {
                    for (x, y) in row.iter_mut().zip(&pivot_row) {
                        *x -= f * y;
                    }
                }
            }
        }
    }
    Some(m.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// Lower-triangular Cholesky factor `L` with `a = L L^T`; `None` unless `a` is symmetric
/// positive definite.
pub fn cholesky(a: &Matrix) -> Option<Matrix> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solves `L y = b` for lower-triangular `L`.
pub fn forward_solve(l: &Matrix, b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i][i];
    }
    y
}

/// Sample mean of the rows of `x` (each row one observation).
pub fn mean(x: &[Vec<f64>]) -> Vec<f64> {
    let p = x.first().map_or(0, Vec::len);
    let n = x.len().max(1) as f64;
    (0..p)
        .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect()
}

/// Sample covariance (divisor `n - 1`) of the rows of `x`.
pub fn covariance(x: &[Vec<f64>]) -> Matrix {
    let m = mean(x);
    let p = m.len();
    let d = (x.len().max(2) - 1) as f64;
    (0..p)
        .map(|i| {
            (0..p)
                .map(|j| x.iter().map(|r| (r[i] - m[i]) * (r[j] - m[j])).sum::<f64>() / d)
                .collect()
        })
        .collect()
}

/// Weighted mean and covariance of the rows of `x` with normalised weights `w` (the
/// covariance uses divisor 1, the population form Beaumont et al. 2009 use for the kernel).
pub fn weighted_mean_cov(x: &[Vec<f64>], w: &[f64]) -> (Vec<f64>, Matrix) {
    let p = x.first().map_or(0, Vec::len);
    let total: f64 = w.iter().sum();
    let m: Vec<f64> = (0..p)
        .map(|j| x.iter().zip(w).map(|(r, &w)| w * r[j]).sum::<f64>() / total)
        .collect();
    let c = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    x.iter()
                        .zip(w)
                        .map(|(r, &w)| w * (r[i] - m[i]) * (r[j] - m[j]))
                        .sum::<f64>()
                        / total
                })
                .collect()
        })
        .collect();
    (m, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_cholesky() {
        let a = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let inv = inverse(&a).unwrap();
        let id = mul(&a, &inv);
        for (i, row) in id.iter().enumerate() {
            for (j, &x) in row.iter().enumerate() {
                assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        let l = cholesky(&a).unwrap();
        let back = mul(&l, &transpose(&l));
        assert!((back[0][1] - 2.0).abs() < 1e-12 && (back[1][1] - 3.0).abs() < 1e-12);
        let y = forward_solve(&l, &[2.0, 1.0]);
        assert!((l[0][0] * y[0] - 2.0).abs() < 1e-12);
        assert!(inverse(&vec![vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
        assert!(cholesky(&vec![vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }

    #[test]
    fn weighted_moments() {
        let x = vec![vec![0.0], vec![2.0]];
        let (m, c) = weighted_mean_cov(&x, &[0.5, 0.5]);
        assert_eq!(m, vec![1.0]);
        assert_eq!(c, vec![vec![1.0]]);
        assert_eq!(covariance(&x), vec![vec![2.0]]);
    }
}
