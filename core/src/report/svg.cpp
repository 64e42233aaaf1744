#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace rubrika::report {
namespace {

constexpr double kWidth = 640, kHeight = 260, kLeft = 56, kRight = 16, kTop = 16, kBottom = 40;

std::string axes(double x0, double x1, double y0, double y1, const std::string& x_label, const std::string& y_label) {
  std::ostringstream s;
  s << "<line x1='" << kLeft << "' y1='" << kHeight - kBottom << "' x2='" << kWidth - kRight << "' y2='"
    << kHeight - kBottom << "' class='axis'/>"
    << "<line x1='" << kLeft << "' y1='" << kTop << "' x2='" << kLeft << "' y2='" << kHeight - kBottom << "' class='axis'/>";
  for (int i = 0; i <= 4; ++i) {
    const double y = kHeight - kBottom - i * (kHeight - kTop - kBottom) / 4;
    s << "<text x='" << kLeft - 6 << "' y='" << y + 4 << "' class='tick' text-anchor='end'>"
      << number(y0 + (y1 - y0) * i / 4, 3) << "</text>";
    const double x = kLeft + i * (kWidth - kLeft - kRight) / 4;
    s << "<text x='" << x << "' y='" << kHeight - kBottom + 16 << "' class='tick' text-anchor='middle'>"
      << number(x0 + (x1 - x0) * i / 4, 3) << "</text>";
  }
  s << "<text x='" << (kWidth + kLeft) / 2 << "' y='" << kHeight - 6 << "' class='label' text-anchor='middle'>"
    << escape(x_label) << "</text><text x='12' y='" << kTop + 8 << "' class='label'>" << escape(y_label) << "</text>";
  return s.str();
}

std::string open_svg() {
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " << kWidth << " " << kHeight << "' width='" << kWidth
    << "' height='" << kHeight << "'>";
  return s.str();
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double value, int precision) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
  return buffer;
}

std::string line_chart(const std::vector<Series>& series, const std::string& x_label, const std::string& y_label) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  if (!std::isfinite(x0)) return "<p class='empty'>no points</p>";
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  std::ostringstream out;
  out << open_svg() << axes(x0, x1, y0, y1, x_label, y_label);
  int legend = 0;
  for (const auto& s : series) {
    out << "<polyline class='series' stroke='" << s.colour << "' points='";
    for (const auto& [x, y] : s.points)
      out << kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight) << ","
          << kHeight - kBottom - (y - y0) / (y1 - y0) * (kHeight - kTop - kBottom) << " ";
    out << "'><title>" << escape(s.name) << "</title></polyline>";
    out << "<text x='" << kWidth - 150 << "' y='" << kTop + 14 * ++legend << "' fill='" << s.colour << "' class='tick'>"
        << escape(s.name) << "</text>";
  }
  out << "</svg>";
  return out.str();
}

std::string bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series, double y_max,
                      const std::string& y_label) {
  if (categories.empty() || series.empty()) return "<p class='empty'>no data</p>";
  std::ostringstream out;
  out << open_svg() << axes(0, static_cast<double>(categories.size()), 0, y_max, "", y_label);
  const double slot = (kWidth - kLeft - kRight) / static_cast<double>(categories.size());
  const double bar = slot / static_cast<double>(series.size() + 1);
  for (size_t s = 0; s < series.size(); ++s)
    for (size_t c = 0; c < categories.size() && c < series[s].points.size(); ++c) {
      const double v = series[s].points[c].second;
      const double h = std::max(0.0, v / y_max) * (kHeight - kTop - kBottom);
      out << "<rect x='" << kLeft + slot * c + bar * (s + 0.5) << "' y='" << kHeight - kBottom - h << "' width='"
          << bar << "' height='" << h << "' fill='" << series[s].colour << "'><title>" << escape(series[s].name) << " "
          << escape(categories[c]) << ": " << number(v) << "</title></rect>";
    }
  out << "</svg>";
  return out.str();
}

std::string histogram_chart(const std::vector<double>& edges, const std::vector<double>& first,
                            const std::vector<double>& second, double threshold) {
  if (edges.size() < 2 || first.empty()) return "<p class='empty'>no scores</p>";
  auto share = [](const std::vector<double>& counts) {
    double total = 0;
    for (double c : counts) total += c;
    std::vector<double> out;
    for (double c : counts) out.push_back(total > 0 ? c / total : 0);
    return out;
  };
  const auto a = share(first), b = share(second);
  double y_max = 0;
  for (double v : a) y_max = std::max(y_max, v);
  for (double v : b) y_max = std::max(y_max, v);
  if (y_max <= 0) y_max = 1;
  const double x0 = edges.front(), x1 = edges.back();
  std::ostringstream out;
  out << open_svg() << axes(x0, x1, 0, y_max, "score (higher = more out-of-domain)", "share of texts");
  auto x_of = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); };
  auto bars = [&](const std::vector<double>& values, const char* colour, const char* name) {
    for (size_t i = 0; i < values.size() && i + 1 < edges.size(); ++i) {
      const double h = values[i] / y_max * (kHeight - kTop - kBottom);
      out << "<rect x='" << x_of(edges[i]) << "' y='" << kHeight - kBottom - h << "' width='"
          << std::max(1.0, x_of(edges[i + 1]) - x_of(edges[i]) - 1) << "' height='" << h << "' fill='" << colour
          << "' fill-opacity='0.55'><title>" << name << " " << number(edges[i]) << "–" << number(edges[i + 1]) << ": "
          << number(values[i] * 100, 3) << "%</title></rect>";
    }
  };
  bars(a, "#2b6cb0", "in-domain");
  bars(b, "#c53030", "out-of-domain");
  if (std::isfinite(threshold) && threshold >= x0 && threshold <= x1)
    out << "<line x1='" << x_of(threshold) << "' x2='" << x_of(threshold) << "' y1='" << kTop << "' y2='"
        << kHeight - kBottom << "' class='threshold'><title>threshold " << number(threshold) << "</title></line>";
  out << "<text x='" << kWidth - 150 << "' y='" << kTop + 14 << "' fill='#2b6cb0' class='tick'>in-domain (test)</text>"
      << "<text x='" << kWidth - 150 << "' y='" << kTop + 28 << "' fill='#c53030' class='tick'>out-of-domain</text></svg>";
  return out.str();
}

std::string heatmap(const std::vector<std::string>& labels, const std::vector<std::vector<double>>& matrix) {
  const size_t n = labels.size();
  if (n == 0) return "<p class='empty'>no confusion matrix</p>";
  const double cell = std::max(6.0, std::min(24.0, 600.0 / static_cast<double>(n)));
  std::ostringstream out;
  const double size = cell * static_cast<double>(n);
  out << "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " << size + 2 << " " << size + 2 << "' width='"
      << size + 2 << "' height='" << size + 2 << "'>";
  for (size_t r = 0; r < n; ++r) {
    double row_total = 0;
    for (double v : matrix[r]) row_total += v;
    for (size_t c = 0; c < n; ++c) {
      const double share = row_total > 0 ? matrix[r][c] / row_total : 0;
      const bool diagonal = r == c;
      const int shade = static_cast<int>(255 - std::min(1.0, diagonal ? share : share * 4) * 200);
      out << "<rect x='" << c * cell << "' y='" << r * cell << "' width='" << cell << "' height='" << cell
          << "' fill='rgb(" << (diagonal ? shade : 255) << "," << shade << "," << (diagonal ? 255 : shade)
          << ")' stroke='#eee' stroke-width='0.5'><title>" << escape(labels[r]) << " → " << escape(labels[c]) << ": "
          << number(matrix[r][c], 6) << "</title></rect>";
    }
  }
  out << "</svg>";
  return out.str();
}

}  // namespace rubrika::report
