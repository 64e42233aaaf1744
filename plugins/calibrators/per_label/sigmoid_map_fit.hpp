// One label's sigmoid map p = sigmoid(a·z + b), fitted to held-out logits z and 0/1 labels
// by minimising binary cross-entropy (BCE) with Newton's method.
//
// Two problems share the code: Platt scaling (a and b free; Platt 1999, solved as in Lin,
// Lin & Weng, "A note on Platt's probabilistic outputs for support vector machines", 2007:
// Newton steps with a backtracking line search) and temperature scaling (b = 0, a = 1/T
// kept inside [slope_min, slope_max]). Both are convex in (a, b), so Newton with a line
// search that only accepts sufficient decrease finds the global minimum from any start.
//
// Targets: fit with smoothed_targets() rather than the 0/1 labels (Platt's choice). With 0/1
// targets the minimum does not exist when a label's validation texts are separable by its
// logit, or are all positive or all negative: the loss keeps falling as |a| or |b| grows,
// and the map ends up saying exactly 0 or 1 — an infinite loss on the first test text that
// disagrees. With every target strictly inside (0, 1), each term of the loss grows without
// bound as its score a·z + b leaves a bounded set, so the minimum exists and is finite. The
// pull towards 1/2 is of order 1/N, negligible where a label has many texts of both kinds.
// (An L2 penalty would bound the parameters too, but its scale would have to suit logits
// of every size.)
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace rubrika::per_label {

struct SigmoidMap {
  double a = 1.0;  // slope: the identity map sigmoid(z) is a = 1, b = 0
  double b = 0.0;  // intercept
};

struct FitSettings {
  bool fit_intercept = true;  // false: b stays at start.b (temperature scaling: 0)
  double slope_min = -std::numeric_limits<double>::infinity();  // bounds on a, inclusive
  double slope_max = std::numeric_limits<double>::infinity();
  SigmoidMap start;              // where Newton starts (clamped into the bounds)
  int64_t max_iterations = 100;  // Newton steps
};

struct FitResult {
  SigmoidMap map;
  int64_t iterations = 0;  // Newton steps taken
  bool converged = false;  // the gradient (projected onto the bounds) reached the tolerance,
                           // or no step lowers the loss any more in double precision
  bool at_bound = false;   // a ended on slope_min or slope_max with the loss still falling
                           // outwards: the unconstrained minimum lies on or past the bound
};

// Platt's targets for 0/1 labels: (N+ + 1) / (N+ + 2) for a positive, 1 / (N- + 2) for a
// negative, N+ and N- counting the positives and negatives.
std::vector<double> smoothed_targets(const std::vector<double>& labels);

// Mean over i of BCE(sigmoid(a·z[i] + b), targets[i]), computed from the score (no clipping
// of probabilities). z and targets have the same length, at least 1.
double mean_bce(const std::vector<double>& z, const std::vector<double>& targets,
                const SigmoidMap& map);

// Minimises mean_bce(z, targets, ·) over the parameters `settings` leaves free.
FitResult fit_sigmoid_map(const std::vector<double>& z, const std::vector<double>& targets,
                          const FitSettings& settings);

}  // namespace rubrika::per_label
