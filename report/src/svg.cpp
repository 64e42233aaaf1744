#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace rubrika::report {
namespace {

constexpr double kWidth = 560, kHeight = 260, kLeft = 56, kRight = 16, kTop = 24, kBottom = 40;

// Axis lines, 5 ticks on y (and on x unless `x_ticks` is false), and the axis labels.
std::string axes(double x0, double x1, double y0, double y1, const std::string& x_label,
                 const std::string& y_label, bool x_ticks = true) {
  std::ostringstream s;
  s << "<line x1='" << kLeft << "' y1='" << kHeight - kBottom << "' x2='" << kWidth - kRight
    << "' y2='" << kHeight - kBottom << "' class='axis'/>"
    << "<line x1='" << kLeft << "' y1='" << kTop << "' x2='" << kLeft << "' y2='"
    << kHeight - kBottom << "' class='axis'/>";
  for (int i = 0; i <= 4; ++i) {
    const double y = kHeight - kBottom - i * (kHeight - kTop - kBottom) / 4;
    s << "<text x='" << kLeft - 6 << "' y='" << y + 4 << "' class='tick' text-anchor='end'>"
      << number(y0 + (y1 - y0) * i / 4, 3) << "</text>";
    if (!x_ticks) continue;
    const double x = kLeft + i * (kWidth - kLeft - kRight) / 4;
    s << "<text x='" << x << "' y='" << kHeight - kBottom + 16 << "' class='tick' text-anchor='"
      << (i == 4 ? "end" : "middle") << "'>" << number(x0 + (x1 - x0) * i / 4, 3) << "</text>";
  }
  s << "<text x='" << (kWidth + kLeft) / 2 << "' y='" << kHeight - 6
    << "' class='label' text-anchor='middle'>" << escape(x_label)
    << "</text><text x='4' y='12' class='label'>" << escape(y_label) << "</text>";
  return s.str();
}

std::string open_svg() {
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " << kWidth << " " << kHeight
    << "' width='" << kWidth << "' height='" << kHeight << "'>";
  return s.str();
}

// Legend entries in one row in the top margin, right of the y-axis label, so they never
// cover the data. Widths are estimated from the number of code points.
std::string legend_row(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::ostringstream out;
  double x = kLeft + 90;
  for (const auto& [name, colour] : entries) {
    out << "<text x='" << x << "' y='12' fill='" << colour << "' class='legend'>■ " << escape(name)
        << "</text>";
    size_t chars = 0;
    for (unsigned char c : name) chars += (c & 0xC0) != 0x80;
    x += 6.5 * static_cast<double>(chars + 2) + 16;
  }
  return out.str();
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double value, int precision) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
  return buffer;
}

std::string line_chart(const std::vector<Series>& series, const std::string& x_label,
                       const std::string& y_label) {
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
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& s : series) {
    entries.emplace_back(s.name, s.colour);
    out << "<polyline class='series' stroke='" << s.colour << "' points='";
    for (const auto& [x, y] : s.points)
      out << kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight) << ","
          << kHeight - kBottom - (y - y0) / (y1 - y0) * (kHeight - kTop - kBottom) << " ";
    out << "'><title>" << escape(s.name) << "</title></polyline>";
    for (size_t i = 0; i < s.notes.size() && i < s.points.size(); ++i)
      out << "<circle cx='"
          << kLeft + (s.points[i].first - x0) / (x1 - x0) * (kWidth - kLeft - kRight) << "' cy='"
          << kHeight - kBottom - (s.points[i].second - y0) / (y1 - y0) * (kHeight - kTop - kBottom)
          << "' r='3' fill='" << s.colour << "'><title>" << escape(s.notes[i])
          << "</title></circle>";
  }
  out << legend_row(entries) << "</svg>";
  return out.str();
}

std::string bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                      double y_max, const std::string& y_label) {
  if (categories.empty() || series.empty()) return "<p class='empty'>no data</p>";
  std::ostringstream out;
  out << open_svg()
      << axes(0, static_cast<double>(categories.size()), 0, y_max, "", y_label, false);
  const double slot = (kWidth - kLeft - kRight) / static_cast<double>(categories.size());
  const double bar = slot / static_cast<double>(series.size() + 1);
  for (size_t c = 0; c < categories.size(); ++c)
    out << "<text x='" << kLeft + slot * (c + 0.5) << "' y='" << kHeight - kBottom + 16
        << "' class='label' text-anchor='middle'>" << escape(categories[c]) << "</text>";
  for (size_t s = 0; s < series.size(); ++s)
    for (size_t c = 0; c < categories.size() && c < series[s].points.size(); ++c) {
      const double v = series[s].points[c].second;
      const double h = std::max(0.0, v / y_max) * (kHeight - kTop - kBottom);
      out << "<rect x='" << kLeft + slot * c + bar * (s + 0.5) << "' y='" << kHeight - kBottom - h
          << "' width='" << bar << "' height='" << h << "' fill='" << series[s].colour
          << "'><title>" << escape(series[s].name) << " " << escape(categories[c]) << ": "
          << number(v) << "</title></rect>";
    }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& s : series) entries.emplace_back(s.name, s.colour);
  out << legend_row(entries) << "</svg>";
  return out.str();
}

std::string histogram_chart(const std::vector<double>& edges, const std::vector<double>& first,
                            const std::vector<double>& second, double threshold,
                            const HistogramText& text) {
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
  // The x-range always reaches the threshold, so a threshold beyond every score (nothing
  // flagged, or everything) is visible rather than silently off the chart.
  double x0 = edges.front(), x1 = edges.back();
  const bool has_threshold = std::isfinite(threshold);
  if (has_threshold && threshold < x0) x0 = threshold - 0.04 * (x1 - threshold);
  if (has_threshold && threshold > x1) x1 = threshold + 0.04 * (threshold - x0);
  if (!(x1 > x0)) x1 = x0 + 1;
  std::ostringstream out;
  out << open_svg() << axes(x0, x1, 0, y_max, text.x_label, "share of texts");
  auto x_of = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); };
  auto bars = [&](const std::vector<double>& values, const char* colour, const std::string& name) {
    for (size_t i = 0; i < values.size() && i + 1 < edges.size(); ++i) {
      const double h = values[i] / y_max * (kHeight - kTop - kBottom);
      out << "<rect x='" << x_of(edges[i]) << "' y='" << kHeight - kBottom - h << "' width='"
          << std::max(1.0, x_of(edges[i + 1]) - x_of(edges[i]) - 1) << "' height='" << h
          << "' fill='" << colour << "' fill-opacity='0.55'><title>" << escape(name) << " "
          << number(edges[i]) << "–" << number(edges[i + 1]) << ": " << number(values[i] * 100, 3)
          << "%</title></rect>";
    }
  };
  bars(a, "#2b6cb0", text.first_name);
  bars(b, "#c53030", text.second_name);
  if (has_threshold) {
    const double x = x_of(threshold);
    const bool right_half = x > (kLeft + kWidth - kRight) / 2;
    out << "<line x1='" << x << "' x2='" << x << "' y1='" << kTop << "' y2='" << kHeight - kBottom
        << "' class='threshold'><title>threshold " << number(threshold)
        << "</title></line><text x='" << x + (right_half ? -4 : 4) << "' y='" << kTop + 10
        << "' class='tick' text-anchor='" << (right_half ? "end" : "start") << "'>threshold "
        << number(threshold) << "</text>";
  }
  out << legend_row({{text.first_legend, "#2b6cb0"}, {text.second_legend, "#c53030"}}) << "</svg>";
  return out.str();
}

std::string shorten(const std::string& text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    if (chars++ == max_chars) return text.substr(0, i) + "…";
  }
  return text;
}

std::string heatmap(const std::vector<std::string>& labels,
                    const std::vector<std::vector<double>>& matrix,
                    const std::vector<double>& row_totals) {
  const size_t n = labels.size();
  if (n == 0) return "<p class='empty'>no confusion matrix</p>";
  const double cell = std::max(6.0, std::min(24.0, 600.0 / static_cast<double>(n)));
  const double left = 200, top = 22, font = std::max(6.0, std::min(11.0, cell - 2));
  const double size = cell * static_cast<double>(n);
  // Row names fit the left margin: about 0.7 em per (Cyrillic) character, after "12 ".
  const size_t name_chars = std::min<size_t>(
      26, static_cast<size_t>((left - 8) / (font * 0.7)) - std::to_string(n).size() - 1);
  std::ostringstream out;
  out << "<svg xmlns='http://www.w3.org/2000/svg' class='heatmap' viewBox='0 0 " << left + size + 2
      << " " << top + size + 2 << "' width='" << left + size + 2 << "' height='" << top + size + 2
      << "'>"
      << "<text x='" << left << "' y='10' class='tick'>predicted →</text>";
  const size_t step = n > 30 ? 5 : 1;  // column numbers: every 5th when crowded
  for (size_t c = 0; c < n; c += step)
    out << "<text x='" << left + (c + 0.5) * cell << "' y='" << top - 2
        << "' class='tick' text-anchor='middle'"
        << " style='font-size:" << font << "px'>" << c + 1 << "</text>";
  for (size_t r = 0; r < n; ++r) {
    out << "<text x='" << left - 4 << "' y='" << top + (r + 0.5) * cell + font * 0.35
        << "' class='tick'"
        << " text-anchor='end' style='font-size:" << font << "px'><title>" << escape(labels[r])
        << "</title>" << r + 1 << " " << escape(shorten(labels[r], name_chars)) << "</text>";
    double row_total = 0;
    for (double v : matrix[r]) row_total += v;
    if (r < row_totals.size()) row_total = row_totals[r];
    for (size_t c = 0; c < n; ++c) {
      const double share = row_total > 0 ? matrix[r][c] / row_total : 0;
      const bool diagonal = r == c;
      // Diagonal in blue by recall; errors in red, 4x amplified so a few mistakes show.
      const int shade = static_cast<int>(255 - std::min(1.0, diagonal ? share : share * 4) * 200);
      out << "<rect x='" << left + c * cell << "' y='" << top + r * cell << "' width='" << cell
          << "' height='" << cell << "' fill='rgb(" << (diagonal ? shade : 255) << "," << shade
          << "," << (diagonal ? 255 : shade) << ")' stroke='#eee' stroke-width='0.5'><title>"
          << escape(labels[r]) << " → " << escape(labels[c]) << ": " << number(matrix[r][c], 6)
          << "</title></rect>";
    }
  }
  out << "</svg>";
  return out.str();
}

std::string reliability_chart(
    const std::vector<std::pair<Series, std::vector<CalibrationBin>>>& series) {
  std::ostringstream out;
  out << open_svg() << axes(0, 1, 0, 1, "mean confidence in the bin", "accuracy");
  auto x_of = [](double x) { return kLeft + x * (kWidth - kLeft - kRight); };
  auto y_of = [](double y) { return kHeight - kBottom - y * (kHeight - kTop - kBottom); };
  out << "<line x1='" << x_of(0) << "' y1='" << y_of(0) << "' x2='" << x_of(1) << "' y2='"
      << y_of(1)
      << "' stroke='#a0aec0' stroke-dasharray='4 3'><title>perfect calibration</title></line>";
  double largest = 0;
  for (const auto& [s, bins] : series)
    for (const auto& b : bins) largest = std::max(largest, b.count);
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [s, bins] : series) {
    std::ostringstream line, dots;
    for (const auto& b : bins) {
      if (b.count <= 0) continue;
      line << x_of(b.confidence) << "," << y_of(b.accuracy) << " ";
      const double radius = 2 + 5 * std::sqrt(b.count / std::max(1.0, largest));
      dots << "<circle cx='" << x_of(b.confidence) << "' cy='" << y_of(b.accuracy) << "' r='"
           << radius << "' fill='" << s.colour << "' fill-opacity='0.7'><title>" << escape(s.name)
           << ", confidence " << number(b.lower, 2) << "–" << number(b.upper, 2) << ": "
           << number(b.count, 6) << " texts, mean confidence " << number(b.confidence, 3)
           << ", accuracy " << number(b.accuracy, 3) << "</title></circle>";
    }
    out << "<polyline class='series' stroke='" << s.colour << "' points='" << line.str()
        << "'><title>" << escape(s.name) << "</title></polyline>" << dots.str();
    entries.emplace_back(s.name, s.colour);
  }
  out << legend_row(entries) << "</svg>";
  return out.str();
}

}  // namespace rubrika::report
