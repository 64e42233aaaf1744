// Calibration metrics; definitions in rubrika/metrics/calibration_metrics.hpp.
#include <rubrika/metrics/calibration_metrics.hpp>

#include <rubrika/error.hpp>

#include "metric_checks.hpp"

#include <algorithm>
#include <cmath>

namespace rubrika::metrics {
namespace {

constexpr double kMinProbability = 1e-15;

void check_bins(int64_t num_bins, const char* metric) {
  if (num_bins < 1)
    throw InputError("num_bins is " + std::to_string(num_bins), metric, "use at least 1 bin");
}

std::vector<ReliabilityBin> bins_unchecked(const std::vector<std::vector<double>>& probabilities,
                                           const std::vector<int64_t>& labels, int64_t num_bins) {
  std::vector<ReliabilityBin> bins(static_cast<size_t>(num_bins));
  std::vector<double> confidence_sum(bins.size(), 0.0);
  std::vector<int64_t> correct(bins.size(), 0);
  for (size_t i = 0; i < probabilities.size(); ++i) {
    const int64_t predicted = detail::argmax(probabilities[i]);
    const double confidence = probabilities[i][static_cast<size_t>(predicted)];
    const auto b = static_cast<size_t>(detail::reliability_bin(confidence, num_bins));
    ++bins[b].count;
    confidence_sum[b] += confidence;
    if (predicted == labels[i]) ++correct[b];
  }
  for (size_t b = 0; b < bins.size(); ++b) {
    bins[b].lower = static_cast<double>(b) / static_cast<double>(num_bins);
    bins[b].upper = static_cast<double>(b + 1) / static_cast<double>(num_bins);
    if (bins[b].count == 0) continue;
    const double count = static_cast<double>(bins[b].count);
    bins[b].mean_confidence = confidence_sum[b] / count;
    bins[b].accuracy = static_cast<double>(correct[b]) / count;
  }
  return bins;
}

double ece_of(const std::vector<ReliabilityBin>& bins, size_t n) {
  double ece = 0.0;
  for (const auto& bin : bins)
    ece += static_cast<double>(bin.count) / static_cast<double>(n) *
           std::abs(bin.accuracy - bin.mean_confidence);
  return ece;
}

double mce_of(const std::vector<ReliabilityBin>& bins) {
  double mce = 0.0;
  for (const auto& bin : bins)
    if (bin.count > 0) mce = std::max(mce, std::abs(bin.accuracy - bin.mean_confidence));
  return mce;
}

double nll_unchecked(const std::vector<std::vector<double>>& probabilities,
                     const std::vector<int64_t>& labels) {
  double sum = 0.0;
  for (size_t i = 0; i < probabilities.size(); ++i)
    sum -= std::log(std::max(probabilities[i][static_cast<size_t>(labels[i])], kMinProbability));
  return sum / static_cast<double>(probabilities.size());
}

double brier_unchecked(const std::vector<std::vector<double>>& probabilities,
                       const std::vector<int64_t>& labels) {
  double sum = 0.0;
  for (size_t i = 0; i < probabilities.size(); ++i)
    for (size_t c = 0; c < probabilities[i].size(); ++c) {
      const double target = static_cast<int64_t>(c) == labels[i] ? 1.0 : 0.0;
      const double diff = probabilities[i][c] - target;
      sum += diff * diff;
    }
  return sum / static_cast<double>(probabilities.size());
}

}  // namespace

double negative_log_likelihood(const std::vector<std::vector<double>>& probabilities,
                               const std::vector<int64_t>& labels) {
  detail::check_probabilities(probabilities, labels, "negative_log_likelihood");
  return nll_unchecked(probabilities, labels);
}

std::vector<ReliabilityBin> reliability_bins(const std::vector<std::vector<double>>& probabilities,
                                             const std::vector<int64_t>& labels, int64_t num_bins) {
  check_bins(num_bins, "reliability_bins");
  detail::check_probabilities(probabilities, labels, "reliability_bins");
  return bins_unchecked(probabilities, labels, num_bins);
}

double expected_calibration_error(const std::vector<std::vector<double>>& probabilities,
                                  const std::vector<int64_t>& labels, int64_t num_bins) {
  return ece_of(reliability_bins(probabilities, labels, num_bins), probabilities.size());
}

double maximum_calibration_error(const std::vector<std::vector<double>>& probabilities,
                                 const std::vector<int64_t>& labels, int64_t num_bins) {
  return mce_of(reliability_bins(probabilities, labels, num_bins));
}

double brier_score(const std::vector<std::vector<double>>& probabilities,
                   const std::vector<int64_t>& labels) {
  detail::check_probabilities(probabilities, labels, "brier_score");
  return brier_unchecked(probabilities, labels);
}

CalibrationReport calibration_report(const std::vector<std::vector<double>>& probabilities,
                                     const std::vector<int64_t>& labels, int64_t num_bins) {
  check_bins(num_bins, "calibration_report");
  detail::check_probabilities(probabilities, labels, "calibration_report");
  CalibrationReport report;
  report.bins = bins_unchecked(probabilities, labels, num_bins);
  report.nll = nll_unchecked(probabilities, labels);
  report.ece = ece_of(report.bins, probabilities.size());
  report.mce = mce_of(report.bins);
  report.brier = brier_unchecked(probabilities, labels);
  return report;
}

}  // namespace rubrika::metrics
