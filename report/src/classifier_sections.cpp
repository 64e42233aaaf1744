// Training curves, per-class table and the confusion matrix of the classifier stage.
#include "sections.hpp"

#include "svg.hpp"

#include <rubrika/error.hpp>

#include <algorithm>
#include <sstream>
#include <tuple>

namespace rubrika::report {

using nlohmann::json;

namespace {

constexpr double kWeakF1 = 0.9;  // per-class rows below this are highlighted
// Above this many labels the matrix cells get too small to read: the section shows the
// most-confused classes (at most kFocusLabels) and keeps the full matrix one click away.
constexpr size_t kFullMatrixLabels = 30;
constexpr size_t kFocusLabels = 20;

// The labels involved in the largest mistakes, in label order: truth and prediction of each
// confusion, largest first, until kFocusLabels are chosen.
std::vector<size_t> focus_labels(const std::vector<std::tuple<double, size_t, size_t>>& confusions,
                                 size_t n) {
  std::vector<bool> chosen(n, false);
  size_t count = 0;
  for (const auto& [value, truth, predicted] : confusions) {
    for (size_t label : {truth, predicted})
      if (!chosen[label] && count < kFocusLabels) chosen[label] = true, ++count;
    if (count >= kFocusLabels) break;
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i)
    if (chosen[i]) out.push_back(i);
  return out;
}

// The heatmap of the `focus` rows and columns, shaded by the full rows' totals.
std::string focus_heatmap(const std::vector<std::string>& labels,
                          const std::vector<std::vector<double>>& matrix,
                          const std::vector<size_t>& focus) {
  std::vector<std::string> names;
  std::vector<std::vector<double>> sub;
  std::vector<double> totals;
  for (size_t r : focus) {
    names.push_back(labels[r]);
    std::vector<double> row;
    for (size_t c : focus) row.push_back(matrix[r][c]);
    sub.push_back(std::move(row));
    double total = 0;
    for (double v : matrix[r]) total += v;
    totals.push_back(total);
  }
  return heatmap(names, sub, totals);
}

std::string per_class_table(const json& per_class) {
  std::ostringstream s;
  s << "<div "
       "class='scroll'><table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</"
       "th><th>support</th></tr>";
  for (const auto& [label, v] : per_class.items())
    s << "<tr" << (number_at(v, "f1", 1) < kWeakF1 ? " class='weak'" : "") << "><td>"
      << escape(label) << "</td><td>" << cell(v, "precision", 3) << "</td><td>"
      << cell(v, "recall", 3) << "</td><td>" << cell(v, "f1", 3) << "</td><td>"
      << cell(v, "support", 6) << "</td></tr>";
  s << "</table></div>";
  return s.str();
}

// The confusion matrix checked against its labels: n names and n rows of n numbers.
std::vector<std::vector<double>> checked_matrix(const json& confusion,
                                                const std::vector<std::string>& labels) {
  const char* field = "classifier.test.confusion.matrix";
  const json& rows = child(confusion, "matrix");
  if (!rows.is_array() || rows.size() != labels.size())
    throw InputError(
        std::string(field) + " must hold one row per label (" + std::to_string(labels.size()) + ")",
        "metrics.json", "write the matrix and its labels from the same evaluation");
  std::vector<std::vector<double>> matrix;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].is_array() || rows[r].size() != labels.size())
      throw InputError(std::string(field) + " row " + std::to_string(r) + " must hold " +
                           std::to_string(labels.size()) + " numbers",
                       "metrics.json");
    std::vector<double> row;
    for (const auto& v : rows[r]) row.push_back(v.is_number() ? v.get<double>() : 0);
    matrix.push_back(std::move(row));
  }
  return matrix;
}

}  // namespace

std::string classifier_section(const json& m) {
  const json& c = child(m, "classifier");
  if (!c.is_object()) return not_run("Classifier");
  std::ostringstream s;
  s << "<p>Encoder <b>" << escape(text_at(c, "encoder")) << "</b>, head <b>"
    << escape(text_at(c, "head")) << "</b>; best checkpoint at step " << cell(c, "best_step", 8)
    << " of " << cell(c, "steps", 8) << ".</p>";
  Series loss{"training loss", "#2b6cb0", {}, {}};
  for (const auto& h : child(c, "history"))
    if (has_number(h, "loss")) loss.points.emplace_back(number_at(h, "step"), number_at(h, "loss"));
  Series f1{"validation macro-F1", "#2f855a", {}, {}},
      accuracy{"validation accuracy", "#c05621", {}, {}};
  for (const auto& e : child(c, "evaluations")) {
    const std::string note = "epoch " + cell(e, "epoch", 6) + ", step " + cell(e, "step", 8);
    f1.points.emplace_back(number_at(e, "step"), number_at(e, "macro_f1"));
    f1.notes.push_back(note + ": macro-F1 " + cell(e, "macro_f1"));
    accuracy.points.emplace_back(number_at(e, "step"), number_at(e, "accuracy"));
    accuracy.notes.push_back(note + ": accuracy " + cell(e, "accuracy"));
  }
  s << "<div class='grid'><div><h3>Training loss per step</h3>"
    << line_chart({loss}, "step", "loss") << "</div><div><h3>Validation per epoch</h3>"
    << line_chart({f1, accuracy}, "step", "score") << "</div></div>";
  const json& test = child(c, "test");
  if (!test.is_object()) return s.str() + not_run("Test evaluation");
  if (has_number(test, "threshold"))  // multi-label runs: one threshold for every label
    s << "<p>Test at threshold " << cell(test, "threshold", 3)
      << " for every label, before calibration: subset accuracy <b>" << cell(test, "accuracy")
      << "</b>, micro-F1 <b>" << cell(test, "micro_f1") << "</b>, macro-F1 <b>"
      << cell(test, "macro_f1") << "</b> on " << cell(test, "n", 8)
      << " texts. The tuned thresholds are under <a href='#multilabel'>Multi-label "
         "decisions</a>.</p>";
  else
    s << "<p>Test: accuracy <b>" << cell(test, "accuracy") << "</b>, macro-F1 <b>"
      << cell(test, "macro_f1") << "</b> on " << cell(test, "n", 8) << " texts.</p>";
  s << "<h3>Per class</h3>" << per_class_table(child(test, "per_class"));
  return s.str();
}

std::string confusion_section(const json& m) {
  const json& confusion = child(child(child(m, "classifier"), "test"), "confusion");
  if (!confusion.is_object() && is_multi_label_run(m))
    return "<p class='empty'>A multi-label run has no single confusion matrix: each label's 2×2 "
           "counts are under <a href='#multilabel'>Multi-label decisions</a>.</p>";
  if (!confusion.is_object()) return not_run("Confusion matrix");
  const json& names = child(confusion, "labels");
  std::vector<std::string> labels;
  for (const auto& name : names)
    labels.push_back(name.is_string() ? name.get<std::string>() : name.dump());
  const auto matrix = checked_matrix(confusion, labels);
  std::vector<std::tuple<double, size_t, size_t>> confusions;  // count, truth, predicted
  for (size_t r = 0; r < matrix.size(); ++r)
    for (size_t k = 0; k < matrix[r].size(); ++k)
      if (r != k && matrix[r][k] > 0) confusions.emplace_back(matrix[r][k], r, k);
  std::stable_sort(confusions.begin(), confusions.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  const bool large = labels.size() > kFullMatrixLabels;
  std::ostringstream s;
  s << "<p>Rows: true label, columns: predicted (numbered like the rows). Blue: share of the row "
       "predicted "
       "right; red: mistakes. Hover a cell for its names and count.</p><div class='grid'><div "
       "class='wide'>";
  if (!large) {
    s << heatmap(labels, matrix);
  } else if (confusions.empty()) {
    s << "<p class='empty'>no mistakes among " << labels.size() << " labels</p>";
  } else {
    const std::vector<size_t> focus = focus_labels(confusions, labels.size());
    s << "<h3>Most confused classes (" << focus.size() << " of " << labels.size()
      << ")</h3><p>The labels of the largest mistakes; shades are shares of each full row.</p>"
      << focus_heatmap(labels, matrix, focus);
  }
  s << "</div><div><h3>Top confusions</h3>";
  if (confusions.empty())
    s << "<p class='empty'>no mistakes</p>";
  else
    s << "<table><tr><th>true → predicted</th><th>texts</th></tr>";
  for (size_t i = 0; i < confusions.size() && i < 15; ++i) {
    const auto& [count, truth, predicted] = confusions[i];
    s << "<tr><td>" << escape(labels[truth]) << " → " << escape(labels[predicted]) << "</td><td>"
      << number(count, 8) << "</td></tr>";
  }
  if (!confusions.empty()) s << "</table>";
  s << "</div></div>";
  if (large)
    s << "<details class='full-matrix'><summary>Full confusion matrix (" << labels.size() << " × "
      << labels.size() << ")</summary><div class='wide'>" << heatmap(labels, matrix)
      << "</div></details>";
  return s.str();
}

}  // namespace rubrika::report
