// The "Lineage" section: where an extended run came from (metrics.lineage, one row per
// `rubrika extend` step) and what its extension measured (metrics.extend): the old labels
// beside the parent's figures, the added labels, the check against the parent, step times.
#include "sections.hpp"
#include "svg.hpp"

#include <sstream>

namespace rubrika::report {
namespace {

using nlohmann::json;

std::string names(const json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& name : list)
      if (name.is_string()) out += (out.empty() ? "" : ", ") + name.get<std::string>();
  return out.empty() ? "–" : escape(out);
}

std::string lineage_table(const json& lineage) {
  std::ostringstream s;
  s << "<table><tr><th>step</th><th>parent</th><th>added</th><th>removed</th><th>data "
       "(label field)</th><th>created</th></tr>";
  int step = 1;
  for (const auto& entry : lineage)
    s << "<tr><td>" << step++ << "</td><td>" << escape(text_at(entry, "parent")) << "</td><td>"
      << names(child(entry, "added")) << "</td><td>" << names(child(entry, "removed"))
      << "</td><td>" << escape(text_at(entry, "data")) << " ("
      << escape(text_at(entry, "label_field")) << ")</td><td>" << escape(text_at(entry, "created"))
      << "</td></tr>";
  s << "</table>";
  return s.str();
}

std::string old_labels_table(const json& old) {
  std::ostringstream s;
  s << "<h3>Old labels: test figures against the parent's</h3><table><tr><th>label</th><th>ROC "
       "AUC</th><th>parent</th><th>F1 (tuned)</th><th>parent</th><th>threshold</th><th>largest "
       "difference</th></tr>";
  for (const auto& [label, f] : old.items())
    s << "<tr><td>" << escape(label) << "</td><td>" << cell(f, "roc_auc") << "</td><td>"
      << cell(f, "parent_roc_auc") << "</td><td>" << cell(f, "f1") << "</td><td>"
      << cell(f, "parent_f1") << "</td><td>" << cell(f, "threshold", 3) << "</td><td>"
      << cell(f, "max_abs_difference", 3) << "</td></tr>";
  s << "</table>";
  return s.str();
}

std::string added_labels_table(const json& added) {
  std::ostringstream s;
  s << "<h3>Added labels on the test texts</h3><table><tr><th>label</th><th>ROC AUC</th><th>AP"
       "</th><th>F1 (tuned)</th><th>precision</th><th>recall</th><th>F1 at 0.5</th><th>"
       "threshold</th><th>positives</th><th>texts</th></tr>";
  for (const auto& [label, f] : added.items())
    s << "<tr><td>" << escape(label) << "</td><td>" << cell(f, "roc_auc") << "</td><td>"
      << cell(f, "average_precision") << "</td><td>" << cell(f, "f1") << "</td><td>"
      << cell(f, "precision") << "</td><td>" << cell(f, "recall") << "</td><td>"
      << cell(f, "f1_at_0_5") << "</td><td>" << cell(f, "threshold", 3) << "</td><td>"
      << cell(f, "support", 6) << "</td><td>" << cell(f, "test_texts", 6) << "</td></tr>";
  s << "</table>";
  return s.str();
}

std::string classes_table(const json& classes) {
  std::ostringstream s;
  s << "<h3>Classes on the test split</h3><table><tr><th>class</th><th>F1</th><th>parent"
       "</th><th>support</th></tr>";
  for (const auto& [label, f] : classes.items())
    s << "<tr><td>" << escape(label) << "</td><td>" << cell(f, "f1") << "</td><td>"
      << cell(f, "parent_f1") << "</td><td>" << cell(f, "support", 6) << "</td></tr>";
  s << "</table>";
  return s.str();
}

std::string check_table(const json& check, const json& features) {
  std::ostringstream s;
  s << "<h3>Checks</h3><table>";
  const char* rows[][2] = {
      {"old_logits_max_abs_difference", "old labels' logits, largest change against the parent"},
      {"old_probabilities_max_abs_difference", "old labels' probabilities, largest change"},
      {"old_decisions_agreement", "old labels' decisions equal to the parent's"},
      {"old_top1_agreement", "top-1 among the old classes equal to the parent's"},
      {"cached_features_max_abs_difference", "served vs cached-feature probabilities"},
      {"texts", "texts checked (the parent's test texts)"}};
  for (const auto& row : rows)
    if (has_number(check, row[0]))
      s << "<tr><td>" << row[1] << "</td><td>" << cell(check, row[0], 3) << "</td></tr>";
  s << "<tr><td>texts encoded now / from the feature cache</td><td>" << cell(features, "encoded", 6)
    << " / " << cell(features, "from_cache", 6) << "</td></tr></table>";
  return s.str();
}

}  // namespace

bool is_extended_run(const json& m) {
  return child(m, "lineage").is_array() && !child(m, "lineage").empty();
}

std::string lineage_section(const json& m) {
  std::ostringstream s;
  s << "<p class='note'>This run was made by <code>rubrika extend</code> from the runs below; "
       "their encoder, and the heads, calibration and thresholds of the labels they had, are "
       "used unchanged.</p>"
    << lineage_table(child(m, "lineage"));
  const json& extend = child(m, "extend");
  if (!extend.is_object()) return s.str() + not_run("Extension figures");
  if (child(extend, "old_labels").is_object()) s << old_labels_table(child(extend, "old_labels"));
  if (child(extend, "added_labels").is_object() && !child(extend, "added_labels").empty())
    s << added_labels_table(child(extend, "added_labels"));
  if (child(extend, "classes").is_object()) s << classes_table(child(extend, "classes"));
  s << check_table(child(extend, "check"), child(extend, "features"));
  if (child(extend, "reranker").is_object())
    s << "<p class='warning'>Reranker dropped: "
      << escape(text_at(child(extend, "reranker"), "reason")) << "</p>";
  s << "<p>Extended in " << cell(extend, "seconds", 3) << " s.</p>";
  return s.str();
}

}  // namespace rubrika::report
