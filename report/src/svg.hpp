// Tiny SVG and HTML builders for the report (private to report/src).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rubrika::report {

std::string escape(const std::string& text);
std::string number(double value, int precision = 4);

// A line chart of one or more series over x; each series is (name, colour, points).
// `notes` (optional, one per point) become hover titles on point markers.
struct Series {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;
  std::vector<std::string> notes;
};
std::string line_chart(const std::vector<Series>& series, const std::string& x_label,
                       const std::string& y_label);

// Side-by-side bars per category: values[series][category].
std::string bar_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                      double y_max, const std::string& y_label);

// The words of a histogram chart: the x-axis label, and each series' name in hover titles
// and in the legend. The defaults are the OOD charts' (in-domain first, OOD second).
struct HistogramText {
  std::string x_label = "score (higher = more out-of-domain)";
  std::string first_name = "in-domain", second_name = "out-of-domain";
  std::string first_legend = "in-domain (test)", second_legend = "out-of-domain";
};

// Two overlaid histograms over shared edges plus a vertical, labelled threshold marker; the
// x-range is widened to include the threshold when it lies beyond the edges. Each series is
// drawn as shares of its own total, so a small class stays visible beside a large one.
std::string histogram_chart(const std::vector<double>& edges, const std::vector<double>& first,
                            const std::vector<double>& second, double threshold,
                            const HistogramText& text = {});

// Heatmap of a square count matrix, rows = truth: row names on the left ("12 name",
// shortened), column numbers on top, full names and counts in each cell's hover title.
// Cells shrink with the number of labels (50 labels: 12 px) so the matrix fits a laptop.
// Shades are shares of each row's total: the row's sum, or `row_totals[r]` when given (a
// sub-matrix shaded like the full one).
std::string heatmap(const std::vector<std::string>& labels,
                    const std::vector<std::vector<double>>& matrix,
                    const std::vector<double>& row_totals = {});

// One reliability-diagram bin: [lower, upper) of confidence, texts, mean confidence, accuracy.
struct CalibrationBin {
  double lower = 0, upper = 0, count = 0, confidence = 0, accuracy = 0;
};
// Accuracy against mean confidence per non-empty bin for each series (before / after),
// over the diagonal of perfect calibration; marker area grows with the bin's count.
std::string reliability_chart(
    const std::vector<std::pair<Series, std::vector<CalibrationBin>>>& series);

// Shortens `text` to at most `max_chars` code points, ending in "…" when cut.
std::string shorten(const std::string& text, size_t max_chars);

}  // namespace rubrika::report
