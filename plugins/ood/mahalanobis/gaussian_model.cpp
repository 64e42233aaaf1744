#include "gaussian_model.hpp"

#include "ledoit_wolf.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>

#include <cmath>
#include <map>
#include <sstream>

namespace rubrika::mahalanobis {
namespace {

constexpr const char* kSource = "ood/mahalanobis";

// Cholesky factor of `covariance`, or an empty matrix when it is not positive definite
// (or its factor has a non-finite or non-positive diagonal).
Eigen::MatrixXd cholesky_or_empty(const Eigen::MatrixXd& covariance) {
  Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (llt.info() != Eigen::Success) return {};
  Eigen::MatrixXd lower = llt.matrixL();
  const auto diagonal = lower.diagonal().array();
  if (!diagonal.allFinite() || (diagonal <= 0.0).any()) return {};
  return lower;
}

// Refuses features too wide for a dense D x D covariance. It is held about four times over
// while it is formed, shrunk and factorised, so 8192 features take ~2 GiB. A tfidf encoder's
// tens of thousands of features would fill the memory for many minutes before the kernel
// killed the run without a word.
void check_dimension(Eigen::Index dimension) {
  if (dimension <= GaussianModel::kMaxDimension) return;
  const double gigabytes =
      static_cast<double>(dimension) * static_cast<double>(dimension) * 8.0 / 1e9;
  std::ostringstream problem;
  problem.precision(3);
  problem << "the features have " << dimension << " dimensions; a Mahalanobis covariance of them"
          << " would take " << gigabytes << " GB per copy (at most " << GaussianModel::kMaxDimension
          << " dimensions)";
  throw InputError(
      problem.str(), "[ood] type = \"mahalanobis\"",
      "use type = \"msp\" or \"energy\" with this encoder, or an encoder with at most " +
          std::to_string(GaussianModel::kMaxDimension) + " features (tfidf: max_features)");
}

}  // namespace

GaussianModel GaussianModel::fit(const Eigen::MatrixXd& x, const std::vector<int64_t>& labels,
                                 double ridge) {
  if (x.rows() == 0 || x.rows() != static_cast<Eigen::Index>(labels.size()))
    throw InputError("need one label per training feature row and at least one row", kSource);
  if (!x.allFinite())
    throw InputError("training features contain NaN or infinity", kSource,
                     "check the encoder output before fitting the OOD scorer");
  check_dimension(x.cols());
  std::map<int64_t, Eigen::Index> row_of_class;
  for (int64_t id : labels) {
    if (id < 0) throw InputError("negative label id " + std::to_string(id), kSource);
    row_of_class.emplace(id, 0);
  }
  GaussianModel model;
  for (auto& [id, row] : row_of_class) {
    row = static_cast<Eigen::Index>(model.class_ids_.size());
    model.class_ids_.push_back(id);
  }
  const auto classes = static_cast<Eigen::Index>(model.class_ids_.size());
  model.means_ = Eigen::MatrixXd::Zero(classes, x.cols());
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(classes);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const Eigen::Index c = row_of_class[labels[static_cast<size_t>(i)]];
    model.means_.row(c) += x.row(i);
    counts(c) += 1.0;
  }
  model.means_.array().colwise() /= counts.array();
  Eigen::MatrixXd centred = x;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    centred.row(i) -= model.means_.row(row_of_class[labels[static_cast<size_t>(i)]]);

  ShrunkCovariance shrunk = ledoit_wolf(centred);
  model.shrinkage_ = shrunk.shrinkage;
  const double scale = shrunk.mu > 0.0 ? shrunk.mu : 1.0;
  Eigen::MatrixXd covariance = shrunk.covariance;
  covariance.diagonal().array() += ridge * scale;
  model.ridge_added_ = ridge;
  model.cholesky_ = cholesky_or_empty(covariance);
  // A singular covariance (e.g. constant features: mu = 0 and nothing to shrink) still has
  // to give finite scores: add the smallest ridge that makes it positive definite.
  for (double extra = 1e-12; model.cholesky_.size() == 0 && extra <= 1.0; extra *= 10.0) {
    Eigen::MatrixXd ridged = covariance;
    ridged.diagonal().array() += extra * scale;
    model.cholesky_ = cholesky_or_empty(ridged);
    model.ridge_added_ = ridge + extra;
  }
  if (model.cholesky_.size() == 0)
    throw InputError("the feature covariance is not positive definite even with a ridge of mu * I",
                     kSource, "check the training features (all identical? NaN?)");
  if (model.ridge_added_ != ridge) {
    std::ostringstream message;
    message << "the shrunk covariance was singular; added a ridge of " << model.ridge_added_ - ridge
            << " * mean variance";
    log_warn(kSource, message.str());
  }
  model.whiten_means();
  return model;
}

GaussianModel GaussianModel::from_parts(std::vector<int64_t> class_ids, Eigen::MatrixXd means,
                                        Eigen::MatrixXd cholesky, double shrinkage) {
  if (means.rows() != static_cast<Eigen::Index>(class_ids.size()) || means.rows() == 0)
    throw ArtifactError("'means' has " + std::to_string(means.rows()) + " rows but there are " +
                            std::to_string(class_ids.size()) + " class ids",
                        kSource, "re-run the ood stage");
  if (cholesky.rows() != means.cols() || cholesky.cols() != means.cols())
    throw ArtifactError("'cholesky' is " + std::to_string(cholesky.rows()) + "x" +
                            std::to_string(cholesky.cols()) + " but the means have " +
                            std::to_string(means.cols()) + " features",
                        kSource, "re-run the ood stage");
  if (!means.allFinite() || !cholesky.allFinite() || (cholesky.diagonal().array() <= 0.0).any())
    throw ArtifactError(
        "the stored means or Cholesky factor are not finite / not positive definite", kSource,
        "re-run the ood stage");
  GaussianModel model;
  model.class_ids_ = std::move(class_ids);
  model.means_ = std::move(means);
  model.cholesky_ = cholesky.triangularView<Eigen::Lower>();
  model.shrinkage_ = shrinkage;
  model.whiten_means();
  return model;
}

void GaussianModel::whiten_means() {
  whitened_means_ = cholesky_.triangularView<Eigen::Lower>().solve(means_.transpose());
}

Eigen::MatrixXd GaussianModel::distances(const Eigen::MatrixXd& x) const {
  if (x.cols() != means_.cols())
    throw InputError("features have " + std::to_string(x.cols()) +
                         " dimensions, the scorer was fitted on " + std::to_string(means_.cols()),
                     kSource, "use the same encoder and `features` setting as at fit time");
  // y_i = L^-1 x_i, so (x_i - mu_c)^T cov^-1 (x_i - mu_c) = ||y_i - L^-1 mu_c||^2.
  const Eigen::MatrixXd whitened = cholesky_.triangularView<Eigen::Lower>().solve(x.transpose());
  Eigen::MatrixXd out(x.rows(), means_.rows());
  for (Eigen::Index c = 0; c < means_.rows(); ++c)
    out.col(c) = (whitened.colwise() - whitened_means_.col(c)).colwise().squaredNorm().transpose();
  return out;
}

Eigen::VectorXd GaussianModel::min_distances(const Eigen::MatrixXd& x) const {
  return distances(x).rowwise().minCoeff();
}

}  // namespace rubrika::mahalanobis
