// Ledoit-Wolf shrinkage covariance, the closed form of scikit-learn's
// sklearn.covariance.ledoit_wolf(X, assume_centered=True):
//
//   S     = X^T X / n                       (empirical covariance of centred rows)
//   mu    = trace(S) / p
//   beta  = (sum_k ||x_k||^4 / n - ||S||_F^2) / (p n)
//   delta = ||S - mu I||_F^2 / p
//   shrinkage = min(beta, delta) / delta    (0 when that numerator is 0)
//   cov   = (1 - shrinkage) S + shrinkage mu I
//
// With one feature the shrinkage is 0 (as in scikit-learn).
#pragma once

#include <Eigen/Dense>

namespace rubrika::mahalanobis {

struct ShrunkCovariance {
  Eigen::MatrixXd covariance;  // [p, p]
  double shrinkage = 0.0;      // in [0, 1]
  double mu = 0.0;             // mean variance, trace(S) / p
};

// x: [n, p] rows already centred (here: each row minus its class mean). n >= 1.
ShrunkCovariance ledoit_wolf(const Eigen::MatrixXd& x);

}  // namespace rubrika::mahalanobis
