// Unbounded 1-D minimisation of a unimodal function: a bracket found by golden-ratio
// expansion from a start point, then Brent's method (parabolic steps with golden-section
// fallback) inside it. No bounds are imposed: the search goes as far as the function keeps
// falling, up to max_evaluations.
#pragma once

#include <cstdint>
#include <functional>

namespace rubrika::temperature {

struct Minimum {
  double x = 0.0;          // the argument of the minimum found
  double fx = 0.0;         // f(x)
  int64_t iterations = 0;  // bracketing steps + Brent iterations
  bool bracketed = false;  // an interior minimum was bracketed (false: f kept falling,
                           // stayed flat, or left the finite range before rising)
  bool converged = false;  // Brent reached the tolerance within the budget
};

// Minimises f starting at x0 with a first step of `step`; stops when the bracket around
// the minimum is narrower than ~4 * tolerance (absolute, in x). Non-finite f values are
// treated as +infinity inside Brent; a bracket must rise to a finite value on both sides.
// max_iterations bounds bracketing and Brent iterations together. When no bracket is
// found, x is the last point of the downhill walk and bracketed is false.
Minimum minimise_1d(const std::function<double(double)>& f, double x0, double step,
                    double tolerance, int64_t max_iterations);

}  // namespace rubrika::temperature
