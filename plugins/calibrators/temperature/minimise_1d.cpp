// Bracketing by expansion and Brent's minimisation (after Numerical Recipes' mnbrak/brent,
// with an absolute tolerance in x).
#include "minimise_1d.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace rubrika::temperature {
namespace {

constexpr double kGolden = 1.618033988749895;          // growth of the bracketing steps
constexpr double kGoldenSection = 0.3819660112501051;  // 2 - golden ratio

struct Bracket {
  double a, b, c;  // f(b) <= f(a), f(b) <= f(c); a and c on either side of b
  double fb;
};

double finite_or_inf(double v) {
  return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
}

// Walks downhill (or along a flat stretch) with growing steps until f rises. Returns false
// when there is no interior minimum within reach: the budget runs out while f is still
// falling, or f stops being finite before it rises (the walk left the numerical range,
// e.g. NLL of perfectly separated data as T -> 0).
bool find_bracket(const std::function<double(double)>& f, double x0, double step,
                  int64_t max_iterations, Bracket& out, Minimum& best) {
  double a = x0, b = x0 + step;
  double fa = finite_or_inf(f(a)), fb = finite_or_inf(f(b));
  if (fb > fa) {
    std::swap(a, b);
    std::swap(fa, fb);
  }
  double c = b + kGolden * (b - a);
  double raw = f(c);
  double fc = finite_or_inf(raw);
  while (fc <= fb) {
    if (++best.iterations >= max_iterations) break;
    a = b;
    fa = fb;
    b = c;
    fb = fc;
    c = b + kGolden * (b - a);
    raw = f(c);
    fc = finite_or_inf(raw);
  }
  best.x = b;
  best.fx = fb;
  if (fc <= fb || !std::isfinite(raw) || !std::isfinite(c)) return false;
  out = {a, b, c, fb};
  return true;
}

}  // namespace

Minimum minimise_1d(const std::function<double(double)>& f, double x0, double step,
                    double tolerance, int64_t max_iterations) {
  Minimum result;
  Bracket bracket{};
  if (!find_bracket(f, x0, step, max_iterations, bracket, result)) return result;
  result.bracketed = true;

  double a = std::min(bracket.a, bracket.c), b = std::max(bracket.a, bracket.c);
  double x = bracket.b, w = x, v = x;
  double fx = bracket.fb, fw = fx, fv = fx;
  double d = 0.0, e = 0.0;  // the last step and the one before
  const double tol1 = tolerance, tol2 = 2.0 * tolerance;
  while (result.iterations < max_iterations) {
    ++result.iterations;
    const double xm = 0.5 * (a + b);
    if (std::abs(x - xm) <= tol2 - 0.5 * (b - a)) {
      result.converged = true;
      break;
    }
    bool golden = true;
    if (std::abs(e) > tol1) {  // try a parabola through x, w, v
      double r = (x - w) * (fx - fv);
      double q = (x - v) * (fx - fw);
      double p = (x - v) * q - (x - w) * r;
      q = 2.0 * (q - r);
      if (q > 0.0) p = -p;
      q = std::abs(q);
      const double previous = e;
      e = d;
      if (std::abs(p) < std::abs(0.5 * q * previous) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const double u = x + d;
        if (u - a < tol2 || b - u < tol2) d = std::copysign(tol1, xm - x);
        golden = false;
      }
    }
    if (golden) {
      e = x >= xm ? a - x : b - x;
      d = kGoldenSection * e;
    }
    const double u = std::abs(d) >= tol1 ? x + d : x + std::copysign(tol1, d);
    const double fu = finite_or_inf(f(u));
    if (fu <= fx) {
      (u >= x ? a : b) = x;
      v = w, fv = fw;
      w = x, fw = fx;
      x = u, fx = fu;
    } else {
      (u < x ? a : b) = u;
      if (fu <= fw || w == x) {
        v = w, fv = fw;
        w = u, fw = fu;
      } else if (fu <= fv || v == x || v == w) {
        v = u, fv = fu;
      }
    }
  }
  result.x = x;
  result.fx = fx;
  return result;
}

}  // namespace rubrika::temperature
