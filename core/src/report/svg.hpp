// Tiny SVG and HTML builders for the report (private to core/src/report).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rubrika::report {

std::string escape(const std::string& text);
std::string number(double value, int precision = 4);

// A line chart of one or more series over x; each series is (name, colour, points).
struct Series {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;
};
std::string line_chart(const std::vector<Series>& series, const std::string& x_label, const std::string& y_label);

// Side-by-side bars per category: values[series][category].
std::string bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                      double y_max, const std::string& y_label);

// Two overlaid histograms over shared edges plus a vertical threshold marker.
std::string histogram_chart(const std::vector<double>& edges, const std::vector<double>& first,
                            const std::vector<double>& second, double threshold);

// Heatmap of a square count matrix with hover titles; rows = truth.
std::string heatmap(const std::vector<std::string>& labels, const std::vector<std::vector<double>>& matrix);

}  // namespace rubrika::report
