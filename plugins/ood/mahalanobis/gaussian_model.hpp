// Class-conditional Gaussians with one shared covariance (Lee et al., 2018, "A Simple
// Unified Framework for Detecting Out-of-Distribution Samples"): class means, a Ledoit-Wolf
// shrunk covariance of the class-centred features, and its Cholesky factor L (cov = L L^T).
// Distances are ||L^-1 (x - mu_c)||^2 by triangular solves; no inverse is ever formed.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika::mahalanobis {

class GaussianModel {
 public:
  // The widest features fit() accepts: the covariance is dense, D x D doubles.
  static constexpr Eigen::Index kMaxDimension = 8192;

  // x [n, D]; labels [n] class ids (any non-negative ids; absent classes get no mean).
  // `ridge` adds ridge * mu * I to the covariance before factorising (0 = none). When the
  // factorisation still fails (e.g. all features constant), the ridge grows tenfold from
  // 1e-12 until it succeeds, with a warning. Throws rubrika::InputError when D exceeds
  // kMaxDimension, before allocating anything of size D x D.
  static GaussianModel fit(const Eigen::MatrixXd& x, const std::vector<int64_t>& labels,
                           double ridge);

  // From a stored state; throws rubrika::ArtifactError on inconsistent shapes or values.
  static GaussianModel from_parts(std::vector<int64_t> class_ids, Eigen::MatrixXd means,
                                  Eigen::MatrixXd cholesky, double shrinkage);

  // [n, C] squared Mahalanobis distance of each row of x to each class mean.
  Eigen::MatrixXd distances(const Eigen::MatrixXd& x) const;
  // [n] the smallest of them per row: the OOD score.
  Eigen::VectorXd min_distances(const Eigen::MatrixXd& x) const;

  const std::vector<int64_t>& class_ids() const { return class_ids_; }
  const Eigen::MatrixXd& means() const { return means_; }        // [C, D]
  const Eigen::MatrixXd& cholesky() const { return cholesky_; }  // [D, D], lower triangular
  double shrinkage() const { return shrinkage_; }
  double ridge_added() const { return ridge_added_; }  // relative ridge actually used
  int64_t dimension() const { return static_cast<int64_t>(means_.cols()); }

 private:
  void whiten_means();  // fills whitened_means_ = L^-1 means^T

  std::vector<int64_t> class_ids_;
  Eigen::MatrixXd means_;
  Eigen::MatrixXd cholesky_;
  Eigen::MatrixXd whitened_means_;  // [D, C]
  double shrinkage_ = 0.0;
  double ridge_added_ = 0.0;
};

}  // namespace rubrika::mahalanobis
