// Newton's method with a backtracking (Armijo) line search on the 1- or 2-parameter BCE of a
// sigmoid map; see the header for why the targets are smoothed.
#include "sigmoid_map_fit.hpp"

#include <algorithm>
#include <cmath>

namespace rubrika::per_label {
namespace {

// Stop when the Newton decrement g·H⁻¹g (twice the loss decrease a full step promises) is
// below this, relative to 1 + loss: the parameters are then known to about 1e-6 of their
// curvature scale, far finer than validation noise. Scale-free in z, unlike a gradient test.
constexpr double kDecrementTolerance = 1e-12;
// A line search that fails while the decrement is below this has met rounding, not a
// problem: the loss cannot resolve the remaining gain.
constexpr double kRoundingDecrement = 1e-8;
constexpr double kArmijo = 1e-4;         // accept a step that gains this share of the promise
constexpr double kSmallestStep = 1e-12;  // the line search gives up below this step fraction
// Added to the Hessian's diagonal, times its trace: keeps the 2×2 solve defined when every
// logit of a label is equal (then a and b are not separately identified) without changing
// Newton's steps elsewhere.
constexpr double kRelativeRidge = 1e-10;

double softplus(double s) { return std::max(s, 0.0) + std::log1p(std::exp(-std::abs(s))); }

double sigmoid(double s) {
  if (s >= 0.0) return 1.0 / (1.0 + std::exp(-s));
  const double e = std::exp(s);
  return e / (1.0 + e);
}

// The mean loss and its gradient and Hessian in (a, b) at one map.
struct Derivatives {
  double loss = 0.0;
  double ga = 0.0, gb = 0.0;
  double haa = 0.0, hab = 0.0, hbb = 0.0;
};

Derivatives derivatives(const std::vector<double>& z, const std::vector<double>& t,
                        const SigmoidMap& map) {
  Derivatives d;
  for (size_t i = 0; i < z.size(); ++i) {
    const double s = map.a * z[i] + map.b;
    const double p = sigmoid(s);
    const double residual = p - t[i];
    const double weight = p * (1.0 - p);
    d.loss += softplus(s) - t[i] * s;
    d.ga += residual * z[i];
    d.gb += residual;
    d.haa += weight * z[i] * z[i];
    d.hab += weight * z[i];
    d.hbb += weight;
  }
  const double n = static_cast<double>(z.size());
  for (double* v : {&d.loss, &d.ga, &d.gb, &d.haa, &d.hab, &d.hbb}) *v /= n;
  return d;
}

struct Step {
  double da = 0.0, db = 0.0;
};

// The Newton step -H⁻¹g over the free parameters; the steepest-descent step -g where the
// curvature vanishes (every probability saturated in double precision).
Step newton_step(const Derivatives& d, bool fit_intercept) {
  if (!fit_intercept) {
    const double h = d.haa * (1.0 + kRelativeRidge);
    return {h > 0.0 ? -d.ga / h : -d.ga, 0.0};
  }
  const double ridge = kRelativeRidge * (d.haa + d.hbb);
  const double haa = d.haa + ridge, hbb = d.hbb + ridge;
  const double det = haa * hbb - d.hab * d.hab;
  if (!(det > 0.0) || !std::isfinite(det)) return {-d.ga, -d.gb};
  return {-(hbb * d.ga - d.hab * d.gb) / det, -(haa * d.gb - d.hab * d.ga) / det};
}

// a sits on a bound and the loss falls outwards: no feasible descent for a.
bool blocked_by_bound(const SigmoidMap& map, const Derivatives& d, const FitSettings& s) {
  return (map.a <= s.slope_min && d.ga > 0.0) || (map.a >= s.slope_max && d.ga < 0.0);
}

}  // namespace

std::vector<double> smoothed_targets(const std::vector<double>& labels) {
  double positives = 0.0;
  for (double y : labels) positives += y;
  const double negatives = static_cast<double>(labels.size()) - positives;
  const double high = (positives + 1.0) / (positives + 2.0);
  const double low = 1.0 / (negatives + 2.0);
  std::vector<double> targets;
  targets.reserve(labels.size());
  for (double y : labels) targets.push_back(y > 0.5 ? high : low);
  return targets;
}

double mean_bce(const std::vector<double>& z, const std::vector<double>& targets,
                const SigmoidMap& map) {
  double sum = 0.0;
  for (size_t i = 0; i < z.size(); ++i) {
    const double s = map.a * z[i] + map.b;
    sum += softplus(s) - targets[i] * s;
  }
  return sum / static_cast<double>(z.size());
}

FitResult fit_sigmoid_map(const std::vector<double>& z, const std::vector<double>& targets,
                          const FitSettings& settings) {
  FitResult result;
  SigmoidMap& map = result.map;
  map = settings.start;
  map.a = std::clamp(map.a, settings.slope_min, settings.slope_max);
  for (;;) {
    const Derivatives d = derivatives(z, targets, map);
    if (!settings.fit_intercept && blocked_by_bound(map, d, settings)) {
      result.converged = result.at_bound = true;
      break;
    }
    const Step step = newton_step(d, settings.fit_intercept);
    const double decrement = -(d.ga * step.da + d.gb * step.db);
    if (decrement <= kDecrementTolerance * (1.0 + d.loss)) {
      result.converged = true;
      break;
    }
    if (result.iterations >= settings.max_iterations) break;
    ++result.iterations;
    bool accepted = false;
    for (double fraction = 1.0; fraction >= kSmallestStep && !accepted; fraction *= 0.5) {
      const SigmoidMap next{
          std::clamp(map.a + fraction * step.da, settings.slope_min, settings.slope_max),
          map.b + fraction * step.db};
      // Clamping only shortens a step, but never accept a rise whatever the bounds do.
      const double promised = std::min(0.0, d.ga * (next.a - map.a) + d.gb * (next.b - map.b));
      const double loss = mean_bce(z, targets, next);
      if (std::isfinite(loss) && loss <= d.loss + kArmijo * promised) {
        map = next;
        accepted = true;
      }
    }
    if (!accepted) {
      result.converged = decrement <= kRoundingDecrement * (1.0 + d.loss);
      break;
    }
  }
  return result;
}

}  // namespace rubrika::per_label
