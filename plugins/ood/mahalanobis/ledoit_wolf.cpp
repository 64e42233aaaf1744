#include "ledoit_wolf.hpp"

#include <algorithm>

namespace rubrika::mahalanobis {

ShrunkCovariance ledoit_wolf(const Eigen::MatrixXd& x) {
  const double n = static_cast<double>(x.rows());
  const auto p_count = x.cols();
  const double p = static_cast<double>(p_count);
  ShrunkCovariance out;
  Eigen::MatrixXd s = Eigen::MatrixXd::Zero(p_count, p_count);
  s.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose(), 1.0 / n);
  s.triangularView<Eigen::StrictlyUpper>() = s.transpose();
  out.mu = s.trace() / p;
  if (p_count == 1) {
    out.covariance = s;
    return out;
  }
  const Eigen::VectorXd row_norms = x.rowwise().squaredNorm();  // ||x_k||^2
  const double sum_fourth = row_norms.squaredNorm();            // sum_k ||x_k||^4
  const double s_frobenius = s.squaredNorm();
  const double beta = (sum_fourth / n - s_frobenius) / (p * n);
  const double delta = (s_frobenius - 2.0 * out.mu * s.trace() + p * out.mu * out.mu) / p;
  const double clipped = std::min(beta, delta);
  // delta = 0 means S is already mu * I: nothing to shrink toward.
  out.shrinkage = clipped <= 0.0 || delta <= 0.0 ? 0.0 : std::min(1.0, clipped / delta);
  out.covariance = (1.0 - out.shrinkage) * s;
  out.covariance.diagonal().array() += out.shrinkage * out.mu;
  return out;
}

}  // namespace rubrika::mahalanobis
