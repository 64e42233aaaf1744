// The sections of a multi-label run (metrics.json "multilabel", and the multi-label shapes of
// "calibration" and "baseline"; docs/metrics_schema.md): the figures at the tuned thresholds
// beside those at 0.5, one block per label (ROC curve, probability histograms with the
// threshold, 2×2 counts), label co-occurrence, per-label calibration and the baseline.
#include "sections.hpp"

#include "svg.hpp"

#include <rubrika/error.hpp>

#include <cmath>
#include <set>
#include <sstream>

namespace rubrika::report {

using nlohmann::json;

namespace {

// roc_auc and average_precision are null when the label's test texts are all positive or all
// negative; the report shows "—" (an absent figure is "–", as everywhere else).
std::string optional_cell(const json& j, const char* key, int precision = 4) {
  if (j.is_object() && j.contains(key) && j.at(key).is_null())
    return "<span title='undefined: the test texts of this label lack positives or "
           "negatives'>—</span>";
  return cell(j, key, precision);
}

std::vector<std::string> names(const json& array, const std::string& field) {
  if (!array.is_array())
    throw InputError(field + " must be an array of label names", "metrics.json",
                     "write the labels in the head's column order");
  std::vector<std::string> out;
  for (const auto& name : array) {
    if (!name.is_string()) throw InputError(field + " must hold strings only", "metrics.json");
    out.push_back(name.get<std::string>());
  }
  return out;
}

// The labels in the head's order (multilabel.labels), then any other keys of `per_label`
// (a JSON object, whose keys come sorted) so that no label of the figures is left out.
std::vector<std::string> label_order(const json& m, const json& per_label) {
  const json& listed = child(child(m, "multilabel"), "labels");
  std::vector<std::string> out;
  if (!listed.is_null()) out = names(listed, "multilabel.labels");
  const std::set<std::string> seen(out.begin(), out.end());
  if (per_label.is_object())
    for (const auto& [label, figures] : per_label.items())
      if (!seen.count(label)) out.push_back(label);
  return out;
}

std::string field_of(const std::string& label, const char* what) {
  return "multilabel.test.per_label[\"" + label + "\"]." + what;
}

// How each threshold strategy ([decision] threshold_strategy) picks a label's threshold.
struct StrategyNote {
  const char* name;
  const char* what;
  bool names_target;  // `what` ends where the target is written
};
constexpr StrategyNote kStrategyNotes[] = {
    {"f1", "the threshold with the best F1", false},
    {"precision_at", "the lowest threshold whose precision reaches", true},
    {"recall_at", "the highest threshold whose recall reaches", true},
    {"fixed", "the same threshold for every label:", true},
};

std::string strategy_note(const json& thresholds) {
  const std::string strategy = text_at(thresholds, "strategy", "");
  std::ostringstream s;
  s << "<p>Each label's threshold was chosen on the "
    << escape(text_at(thresholds, "chosen_on", "validation")) << " split ("
    << cell(thresholds, "n", 8) << " texts) by strategy <b>" << escape(strategy) << "</b>";
  bool target_named = false;
  for (const auto& note : kStrategyNotes)
    if (strategy == note.name) {
      s << ": " << note.what;
      if (note.names_target && has_number(thresholds, "target")) {
        s << " <b>" << cell(thresholds, "target") << "</b>";
        target_named = true;
      }
    }
  if (!target_named && has_number(thresholds, "target"))
    s << " (target <b>" << cell(thresholds, "target") << "</b>)";
  s << ". A label is on when its probability (calibrated, where the run has a calibrator) reaches "
       "its threshold.</p>";
  std::vector<std::string> unmet;
  const json& per_label = child(thresholds, "per_label");
  if (per_label.is_object())
    for (const auto& [label, figures] : per_label.items())
      if (child(figures, "target_met").is_boolean() && !figures.at("target_met").get<bool>())
        unmet.push_back(escape(label));
  if (!unmet.empty()) {
    s << "<p class='warning'><b>Target not reached on validation</b> for ";
    for (size_t i = 0; i < unmet.size(); ++i) s << (i ? ", " : "") << unmet[i];
    s << ": the closest threshold is used.</p>";
  }
  return s.str();
}

// Tuned thresholds beside 0.5 for every label, over whole label sets.
std::string label_set_table(const json& test) {
  const json& tuned = child(test, "tuned");
  const json& plain = child(test, "at_0_5");
  std::ostringstream s;
  s << "<table class='label-sets'><tr><th>test split (" << cell(test, "n", 8)
    << " texts)</th><th>tuned thresholds</th><th>0.5 for every label</th></tr>";
  const std::pair<const char*, const char*> rows[] = {
      {"micro-F1", "micro_f1"},
      {"macro-F1", "macro_f1"},
      {"subset accuracy (whole label set right)", "subset_accuracy"},
      {"Hamming loss (share of wrong text × label cells)", "hamming_loss"}};
  for (const auto& [title, key] : rows)
    s << "<tr><td>" << title << "</td><td>" << cell(tuned, key) << "</td><td>" << cell(plain, key)
      << "</td></tr>";
  auto true_vs_predicted = [](const json& j, const char* truth, const char* predicted,
                              int precision) {
    return cell(j, truth, precision) + " / " + cell(j, predicted, precision);
  };
  s << "<tr><td>labels per text, true / predicted</td><td>"
    << true_vs_predicted(tuned, "true_cardinality", "predicted_cardinality", 3) << "</td><td>"
    << true_vs_predicted(plain, "true_cardinality", "predicted_cardinality", 3)
    << "</td></tr><tr><td>texts with no label, true / predicted</td><td>"
    << true_vs_predicted(tuned, "no_label_true", "no_label_predicted", 8) << "</td><td>"
    << true_vs_predicted(plain, "no_label_true", "no_label_predicted", 8) << "</td></tr></table>";
  return s.str();
}

// One row per label, each linking to its block below.
std::string label_overview(const std::vector<std::string>& labels, const json& per_label,
                           const json& chosen) {
  std::ostringstream s;
  s << "<div class='scroll'><table class='label-overview'><tr><th>label</th><th>threshold</th>"
       "<th>precision</th><th>recall</th><th>F1</th><th>F1 at 0.5</th><th>AUROC</th><th>average "
       "precision</th><th>support</th></tr>";
  for (size_t i = 0; i < labels.size(); ++i) {
    const json& v = child(per_label, labels[i].c_str());
    const json& tuned = child(v, "tuned");
    const json& target_met = child(child(chosen, labels[i].c_str()), "target_met");
    const bool unmet = target_met.is_boolean() && !target_met.get<bool>();
    s << "<tr" << (unmet ? " class='weak'" : "") << "><td><a href='#multilabel-label-" << i + 1
      << "'>" << escape(labels[i]) << "</a></td><td>" << cell(v, "threshold", 3) << "</td><td>"
      << cell(tuned, "precision", 3) << "</td><td>" << cell(tuned, "recall", 3) << "</td><td>"
      << cell(tuned, "f1", 3) << "</td><td>" << cell(child(v, "at_0_5"), "f1", 3) << "</td><td>"
      << optional_cell(v, "roc_auc", 3) << "</td><td>" << optional_cell(v, "average_precision", 3)
      << "</td><td>" << cell(v, "support", 8) << "</td></tr>";
  }
  s << "</table></div>";
  return s.str();
}

std::string roc_chart(const std::string& label, const json& v) {
  const json& roc = child(v, "roc");
  if (!roc.is_object()) return "<p class='empty'>no ROC curve</p>";
  const auto fpr = numbers(child(roc, "fpr"), field_of(label, "roc.fpr"));
  const auto tpr = numbers(child(roc, "tpr"), field_of(label, "roc.tpr"));
  if (fpr.size() != tpr.size())
    throw InputError(field_of(label, "roc") + ": " + std::to_string(fpr.size()) + " fpr but " +
                         std::to_string(tpr.size()) + " tpr values",
                     "metrics.json", "write one (fpr, tpr) pair per point");
  if (fpr.empty())
    return "<p class='empty'>no ROC curve: the test texts of this label lack positives or "
           "negatives</p>";
  Series curve{"ROC (test)", "#2b6cb0", {}, {}};
  for (size_t i = 0; i < fpr.size(); ++i) curve.points.emplace_back(fpr[i], tpr[i]);
  const Series chance{"chance", "#a0aec0", {{0.0, 0.0}, {1.0, 1.0}}, {}};
  return line_chart({curve, chance}, "false positive rate", "true positive rate");
}

std::string probability_histogram(const std::string& label, const json& v) {
  const json& h = child(v, "histogram");
  if (!h.is_object()) return "<p class='empty'>no histogram</p>";
  const auto edges = numbers(child(h, "edges"), field_of(label, "histogram.edges"));
  const auto positive = numbers(child(h, "positive"), field_of(label, "histogram.positive"));
  const auto negative = numbers(child(h, "negative"), field_of(label, "histogram.negative"));
  if (edges.size() != positive.size() + 1 || negative.size() != positive.size())
    throw InputError(
        field_of(label, "histogram") + ": expected n + 1 edges and n counts for each side, got " +
            std::to_string(edges.size()) + " edges, " + std::to_string(positive.size()) + " and " +
            std::to_string(negative.size()) + " counts",
        "metrics.json");
  HistogramText text;
  text.x_label = "probability of the label";
  text.first_name = text.first_legend = "texts without the label";
  text.second_name = text.second_legend = "texts with the label";
  return histogram_chart(edges, negative, positive, number_at(v, "threshold", NAN), text);
}

// The 2×2 counts at the tuned threshold, and precision / recall / F1 there and at 0.5.
std::string label_tables(const json& v) {
  const json& tuned = child(v, "tuned");
  const json& plain = child(v, "at_0_5");
  std::ostringstream s;
  s << "<table class='confusion-2x2'><tr><th>at " << cell(v, "threshold", 3)
    << "</th><th>predicted on</th><th>predicted off</th></tr><tr><td>has the label</td><td "
       "title='true positives'>"
    << cell(tuned, "tp", 8) << "</td><td title='false negatives'>" << cell(tuned, "fn", 8)
    << "</td></tr><tr><td>has not</td><td title='false positives'>" << cell(tuned, "fp", 8)
    << "</td><td title='true negatives'>" << cell(tuned, "tn", 8) << "</td></tr></table>";
  s << "<table class='label-figures'><tr><th>threshold</th><th>precision</th><th>recall</th><th>"
       "F1</th></tr>";
  const std::pair<std::string, const json*> rows[] = {
      {"tuned (" + cell(v, "threshold", 3) + ")", &tuned}, {"0.5", &plain}};
  for (const auto& [name, figures] : rows)
    s << "<tr><td>" << name << "</td><td>" << cell(*figures, "precision", 3) << "</td><td>"
      << cell(*figures, "recall", 3) << "</td><td>" << cell(*figures, "f1", 3) << "</td></tr>";
  s << "</table>";
  return s.str();
}

std::string label_block(size_t index, const std::string& label, const json& v, const json& chosen) {
  std::ostringstream s;
  s << "<div class='label-block'><h3 id='multilabel-label-" << index + 1 << "'>" << index + 1
    << ". " << escape(label) << "</h3><p>Threshold <b>" << cell(v, "threshold", 3) << "</b>";
  if (chosen.is_object())
    s << " (on validation: precision " << cell(chosen, "precision", 3) << ", recall "
      << cell(chosen, "recall", 3) << ", F1 " << cell(chosen, "f1", 3) << ")";
  s << "; test: " << cell(v, "support", 8) << " texts with the label, " << cell(v, "negatives", 8)
    << " without; average precision <b>" << optional_cell(v, "average_precision") << "</b>.</p>"
    << "<div class='grid'><div><p><b>ROC curve</b>, AUROC <b>" << optional_cell(v, "roc_auc")
    << "</b></p>" << roc_chart(label, v)
    << "</div><div><p><b>Probability of the label</b> on the test split; dashed: the threshold</p>"
    << probability_histogram(label, v) << "</div><div>" << label_tables(v) << "</div></div></div>";
  return s.str();
}

// A square count matrix over `n` labels, checked: n rows of n numbers.
std::vector<std::vector<double>> square_matrix(const json& rows, size_t n,
                                               const std::string& field) {
  if (!rows.is_array() || rows.size() != n)
    throw InputError(field + " must hold one row per label (" + std::to_string(n) + ")",
                     "metrics.json", "write the matrix and its labels from the same evaluation");
  std::vector<std::vector<double>> matrix;
  for (size_t r = 0; r < n; ++r) {
    auto row = numbers(rows[r], field + " row " + std::to_string(r));
    if (row.size() != n)
      throw InputError(
          field + " row " + std::to_string(r) + " must hold " + std::to_string(n) + " numbers",
          "metrics.json");
    matrix.push_back(std::move(row));
  }
  return matrix;
}

// A figure of the model beside the baseline's, with the difference.
std::string delta(const json& model, const json& base, const char* key) {
  if (!has_number(base, key) || !has_number(model, key)) return "–";
  const double d = number_at(model, key) - number_at(base, key);
  return (d >= 0 ? "+" : "") + number(d, 3);
}

}  // namespace

bool says_multi_label(const json& section) {
  const json& flag = child(section, "multi_label");
  return flag.is_boolean() && flag.get<bool>();
}

bool is_multi_label_run(const json& m) {
  return child(m, "multilabel").is_object() || says_multi_label(child(m, "data"));
}

std::string multilabel_section(const json& m) {
  const json& ml = child(m, "multilabel");
  if (!ml.is_object()) return not_run("Multi-label thresholds");
  const json& thresholds = child(ml, "thresholds");
  const json& test = child(ml, "test");
  const json& per_label = child(test, "per_label");
  const json& chosen = child(thresholds, "per_label");
  const std::vector<std::string> labels = label_order(m, per_label);
  std::ostringstream s;
  s << strategy_note(thresholds) << label_set_table(test) << "<h3>Per label</h3>"
    << label_overview(labels, per_label, chosen);
  for (size_t i = 0; i < labels.size(); ++i)
    s << label_block(i, labels[i], child(per_label, labels[i].c_str()),
                     child(chosen, labels[i].c_str()));
  return s.str();
}

std::string cooccurrence_section(const json& m) {
  const json& co = child(child(child(m, "multilabel"), "test"), "co_occurrence");
  if (!co.is_object()) return not_run("Label co-occurrence");
  const auto labels = names(child(co, "labels"), "multilabel.test.co_occurrence.labels");
  const auto truth =
      square_matrix(child(co, "true"), labels.size(), "multilabel.test.co_occurrence.true");
  const auto predicted =
      square_matrix(child(co, "tuned"), labels.size(), "multilabel.test.co_occurrence.tuned");
  std::ostringstream s;
  s << "<p>Test texts that have both labels: true / predicted at the tuned thresholds. The "
       "diagonal (bold) counts the texts with each label.</p><div class='wide'><table "
       "class='cooccurrence'><tr><th>label</th>";
  for (const auto& label : labels)
    s << "<th title='" << escape(label) << "'>" << escape(shorten(label, 14)) << "</th>";
  s << "</tr>";
  for (size_t r = 0; r < labels.size(); ++r) {
    s << "<tr><td>" << escape(labels[r]) << "</td>";
    for (size_t c = 0; c < labels.size(); ++c) {
      const std::string pair = number(truth[r][c], 8) + " / " + number(predicted[r][c], 8);
      s << "<td title='" << escape(labels[r]) << (r == c ? "" : " + " + escape(labels[c])) << ": "
        << number(truth[r][c], 8) << " true, " << number(predicted[r][c], 8) << " predicted'>"
        << (r == c ? "<b>" + pair + "</b>" : pair) << "</td>";
    }
    s << "</tr>";
  }
  s << "</table></div>";
  return s.str();
}

std::string multilabel_calibration_section(const json& m) {
  const json& c = child(m, "calibration");
  std::ostringstream s;
  s << "<p>One calibrator per label (<b>" << escape(text_at(c, "calibrator", "per_label"))
    << "</b>), fitted on validation, measured on " << escape(text_at(c, "evaluated_on", "test"))
    << ". Means over the labels:</p><table><tr><th></th><th>NLL</th><th>ECE</th><th>Brier</th>"
       "</tr>";
  for (const char* when : {"before", "after"}) {
    const json& r = child(c, when);
    s << "<tr><td>" << when << "</td><td>" << cell(r, "nll") << "</td><td>" << cell(r, "ece")
      << "</td><td>" << cell(r, "brier") << "</td></tr>";
  }
  s << "</table>";
  const json& per_label = child(c, "per_label");
  if (!per_label.is_object()) return s.str();
  s << "<h3>Per label</h3><p>Rows where calibration made the ECE worse are highlighted.</p><div "
       "class='scroll'><table class='label-calibration'><tr><th>label</th><th>ECE before</th>"
       "<th>ECE after</th><th>NLL before</th><th>NLL after</th><th>Brier before</th><th>Brier "
       "after</th></tr>";
  for (const auto& label : label_order(m, per_label)) {
    const json& before = child(child(per_label, label.c_str()), "before");
    const json& after = child(child(per_label, label.c_str()), "after");
    const bool worse = has_number(before, "ece") && has_number(after, "ece") &&
                       number_at(after, "ece") > number_at(before, "ece");
    s << "<tr" << (worse ? " class='weak'" : "") << "><td>" << escape(label) << "</td><td>"
      << cell(before, "ece") << "</td><td>" << cell(after, "ece") << "</td><td>"
      << cell(before, "nll") << "</td><td>" << cell(after, "nll") << "</td><td>"
      << cell(before, "brier") << "</td><td>" << cell(after, "brier") << "</td></tr>";
  }
  s << "</table></div>";
  return s.str();
}

std::string multilabel_baseline_section(const json& m) {
  const json& base = child(m, "baseline");
  const json& classifier = child(m, "classifier");
  const json& base_test = child(child(base, "multilabel"), "test");
  const json& model_test = child(child(m, "multilabel"), "test");
  // The baseline's micro / macro-F1 at its own tuned thresholds (top level, else its test).
  json base_figures = child(base_test, "tuned").is_object() ? child(base_test, "tuned") : json{};
  for (const char* key : {"micro_f1", "macro_f1"})
    if (has_number(base, key)) base_figures[key] = child(base, key);
  const json& model_figures = child(model_test, "tuned");
  std::ostringstream s;
  s << "<p>The same train / validation / test split, one sigmoid per label on frozen TF-IDF "
       "features ("
    << cell(base, "dimensions", 8) << " n-grams), trained in " << cell(base, "train_seconds", 3)
    << " s. Both models decide at their own thresholds, tuned on validation the same way.</p>"
    << "<table><tr><th>model</th><th>micro-F1</th><th>macro-F1</th></tr><tr><td>"
    << escape(text_at(base, "name", "baseline")) << "</td><td>" << cell(base_figures, "micro_f1")
    << "</td><td>" << cell(base_figures, "macro_f1") << "</td></tr><tr><td>this run ("
    << escape(text_at(classifier, "encoder", "?")) << " + "
    << escape(text_at(classifier, "head", "?")) << ")</td><td>" << cell(model_figures, "micro_f1")
    << "</td><td>" << cell(model_figures, "macro_f1") << "</td></tr><tr><td>difference</td><td>"
    << delta(model_figures, base_figures, "micro_f1") << "</td><td>"
    << delta(model_figures, base_figures, "macro_f1") << "</td></tr></table>";
  const json& base_labels = child(base_test, "per_label");
  const json& model_labels = child(model_test, "per_label");
  if (!base_labels.is_object()) return s.str();
  s << "<h3>Per label</h3><div class='scroll'><table class='baseline-labels'><tr><th>label</th>"
       "<th>AUROC baseline</th><th>AUROC this run</th><th>F1 baseline (tuned)</th><th>F1 this "
       "run (tuned)</th><th>support</th></tr>";
  for (const auto& label : label_order(m, base_labels)) {
    const json& b = child(base_labels, label.c_str());
    const json& v = child(model_labels, label.c_str());
    s << "<tr><td>" << escape(label) << "</td><td>" << optional_cell(b, "roc_auc") << "</td><td>"
      << optional_cell(v, "roc_auc") << "</td><td>" << cell(child(b, "tuned"), "f1", 3)
      << "</td><td>" << cell(child(v, "tuned"), "f1", 3) << "</td><td>"
      << cell(has_number(v, "support") ? v : b, "support", 8) << "</td></tr>";
  }
  s << "</table></div>";
  return s.str();
}

}  // namespace rubrika::report
