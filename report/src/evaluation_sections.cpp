// Calibration, out-of-domain detection, and reranker/cascade sections.
#include "sections.hpp"

#include "svg.hpp"

#include <rubrika/error.hpp>

#include <cmath>
#include <sstream>

namespace rubrika::report {

using nlohmann::json;

namespace {

std::vector<CalibrationBin> bins_of(const json& report) {
  std::vector<CalibrationBin> bins;
  for (const auto& b : child(report, "bins"))
    bins.push_back({number_at(b, "lower"), number_at(b, "upper"), number_at(b, "count"),
                    number_at(b, "confidence"), number_at(b, "accuracy")});
  return bins;
}

// A scorer's threshold (ood.scorers.<name>.threshold), NaN when the scorer has none.
double threshold_of(const json& scorer) { return number_at(scorer, "threshold", NAN); }

std::string histogram_of(const std::string& name, const json& scorer) {
  const json& h = child(scorer, "histogram");
  if (!h.is_object()) return "<p class='empty'>no histogram</p>";
  const std::string field = "ood.scorers." + name + ".histogram";
  const auto edges = numbers(child(h, "edges"), field + ".edges");
  const auto in_domain = numbers(child(h, "in_domain"), field + ".in_domain");
  const auto ood = numbers(child(h, "ood"), field + ".ood");
  if (edges.size() != in_domain.size() + 1 || ood.size() != in_domain.size())
    throw InputError(field + ": expected n + 1 edges and n counts for each side, got " +
                         std::to_string(edges.size()) + " edges, " +
                         std::to_string(in_domain.size()) + " and " + std::to_string(ood.size()) +
                         " counts",
                     "metrics.json");
  return histogram_chart(edges, in_domain, ood, threshold_of(scorer));
}

}  // namespace

// What the small-validation check decided, in one sentence (empty when it did not run).
std::string small_validation_note(const json& c) {
  const json& check = child(c, "small_validation_check");
  if (!check.is_object()) return {};
  std::ostringstream s;
  s << "<p class='note'>Only " << cell(check, "validation_texts", 8)
    << " validation texts (fewer than " << cell(check, "min_validation", 8)
    << "): " << cell(check, "folds", 3) << "-fold cross-validation gave held-out NLL "
    << cell(check, "cv_nll_uncalibrated") << " uncalibrated and "
    << cell(check, "cv_nll_calibrated") << " calibrated, so the run "
    << (c.value("kept_uncalibrated", false) ? "<b>kept T = 1</b> (no calibration)"
                                            : "calibrated on the whole validation split")
    << ".</p>";
  return s.str();
}

std::string calibration_section(const json& m) {
  const json& c = child(m, "calibration");
  if (!c.is_object()) return not_run("Calibration");
  if (says_multi_label(c)) return multilabel_calibration_section(m);  // per label, no bins
  std::ostringstream s;
  s << small_validation_note(c);
  const std::string fitted = escape(text_at(c, "calibrator", "temperature")) +
                             ", fitted on validation, measured on " +
                             escape(text_at(c, "evaluated_on", "test"));
  if (has_number(c, "temperature"))
    s << "<p>Temperature <b>" << cell(c, "temperature") << "</b> (" << fitted << ").</p>";
  else
    s << "<p>Calibrator: " << fitted << ".</p>";
  s << "<table><tr><th></th><th>NLL</th><th>ECE</th><th>MCE</th><th>Brier</th></tr>";
  for (const char* when : {"before", "after"}) {
    const json& r = child(c, when);
    s << "<tr><td>" << when << "</td><td>" << cell(r, "nll") << "</td><td>" << cell(r, "ece")
      << "</td><td>" << cell(r, "mce") << "</td><td>" << cell(r, "brier") << "</td></tr>";
  }
  s << "</table>";
  if (!child(child(c, "before"), "bins").is_array() && !child(child(c, "after"), "bins").is_array())
    return s.str();  // a calibrator that reports no bins has no reliability diagram
  s << "<h3>Reliability diagram</h3>"
    << reliability_chart(
           {{Series{"before temperature", "#c53030", {}, {}}, bins_of(child(c, "before"))},
            {Series{"after temperature", "#2f855a", {}, {}}, bins_of(child(c, "after"))}});
  return s.str();
}

std::string ood_section(const json& m) {
  const json& o = child(m, "ood");
  if (!o.is_object()) return not_run("Out-of-domain detection");
  const json& scorers = child(o, "scorers");
  const std::string primary = text_at(o, "primary", "");
  std::ostringstream s;
  s << "<p>Primary scorer (used when serving): <b>" << escape(primary)
    << "</b>. Higher scores mean more "
    << "out-of-domain; texts above the threshold are "
       "flagged.</p><table><tr><th>scorer</th><th>AUROC</th>"
    << "<th>AUPR-in</th><th>AUPR-out</th><th>FPR@95%TPR</th><th>threshold</th><th>in-domain "
       "accepted</th>"
    << "<th>OOD rejected</th></tr>";
  for (const auto& [name, r] : scorers.items()) {
    const double threshold = threshold_of(r);
    s << "<tr" << (name == primary ? " class='primary'" : "") << "><td>" << escape(name)
      << "</td><td>" << cell(r, "auroc") << "</td><td>" << cell(r, "aupr_in") << "</td><td>"
      << cell(r, "aupr_out") << "</td><td>" << cell(r, "fpr_at_95_tpr") << "</td><td>"
      << (std::isfinite(threshold) ? number(threshold, 5) : "–") << "</td><td>"
      << cell(r, "in_domain_acceptance") << "</td><td>" << cell(r, "ood_rejection") << "</td></tr>";
  }
  s << "</table>";
  for (const auto& [name, r] : scorers.items())
    for (const auto& warning : child(r, "warnings"))
      if (warning.is_string())
        s << "<p class='warning'><b>Warning:</b> " << escape(warning.get<std::string>()) << "</p>";
  s << "<div class='grid'>";
  for (const auto& [name, r] : scorers.items())
    s << "<div><h3>" << escape(name) << "</h3>" << histogram_of(name, r) << "</div>";
  s << "</div>";
  return s.str();
}

// The reranker's figures: pairs, ranking over the top k, the cascade (defined below).
std::string reranker_details(const json& r);

// "Not used" with the reason, and the validation top-1 figures the decision rests on.
std::string not_used_note(const json& r) {
  std::ostringstream s;
  s << "<p class='warning'><b>Not used.</b> " << escape(text_at(r, "not_used_reason", ""))
    << "</p>";
  const json& top1 = child(r, "validation_top1");
  if (top1.is_object())
    s << "<p>Validation top-1: classifier " << cell(top1, "classifier") << ", cascade "
      << cell(top1, "cascade") << ", every text reranked " << cell(top1, "reranked") << ".</p>";
  return s.str();
}

std::string reranker_section(const json& m) {
  const json& r = child(m, "reranker");
  if (!r.is_object()) return not_run("Reranker and cascade");
  const bool used = r.value("used", true);
  if (!used && r.value("skipped", false)) return not_used_note(r);
  if (!used)
    return not_used_note(r) +
           "<details><summary>What the trained reranker did on the "
           "test split</summary>" +
           reranker_details(r) + "</details>";
  return reranker_details(r);
}

std::string reranker_details(const json& r) {
  const json& pairs = child(r, "pairs");
  const json& ranking = child(r, "ranking");
  std::ostringstream s;
  s << "<p>Validation pairs: accuracy " << cell(pairs, "accuracy") << ", F1 " << cell(pairs, "f1")
    << ". Ranking the classifier's top " << cell(ranking, "k", 3)
    << " candidates on the test split:</p>"
    << "<table><tr><th>subset</th><th>texts</th><th>top-1 before</th><th>top-1 "
       "after</th><th>lift</th>"
    << "<th>MRR before</th><th>MRR after</th><th>nDCG before</th><th>nDCG after</th></tr>";
  std::vector<std::string> subsets;
  Series before{"classifier top-1", "#a0aec0", {}, {}}, after{"after reranking", "#2b6cb0", {}, {}};
  for (const char* subset : {"all", "low_margin"}) {
    const json& x = child(ranking, subset);
    if (!x.is_object()) continue;
    const std::string lift =
        has_number(x, "top1_after") && has_number(x, "top1_before")
            ? number(number_at(x, "top1_after") - number_at(x, "top1_before"), 3)
            : "–";
    s << "<tr><td>" << (std::string(subset) == "all" ? "all" : "low margin") << "</td><td>"
      << cell(x, "n", 8) << "</td><td>" << cell(x, "top1_before") << "</td><td>"
      << cell(x, "top1_after") << "</td><td>" << lift << "</td><td>" << cell(x, "mrr_before")
      << "</td><td>" << cell(x, "mrr") << "</td><td>" << cell(x, "ndcg_before") << "</td><td>"
      << cell(x, "ndcg") << "</td></tr>";
    subsets.push_back(std::string(subset) == "all" ? "all texts" : "low-margin texts");
    before.points.emplace_back(subsets.size() - 1, number_at(x, "top1_before"));
    after.points.emplace_back(subsets.size() - 1, number_at(x, "top1_after"));
  }
  s << "</table>";
  if (!subsets.empty())
    s << "<h3>Top-1 accuracy before / after reranking</h3>"
      << bar_chart(subsets, {before, after}, 1.0, "top-1");
  const json& c = child(r, "cascade");
  if (!c.is_object()) return s.str() + not_run("Cascade");
  s << "<p>Cascade: the reranker runs when the classifier's top-2 margin is below τ = "
    << cell(c, "tau", 3) << " (fusion weight " << cell(c, "weight", 3) << "). Trigger rate <b>"
    << cell(c, "trigger_rate", 3) << "</b> (budget " << cell(c, "budget", 3) << "); test accuracy "
    << cell(c, "accuracy_without") << " → <b>" << cell(c, "accuracy_with") << "</b>; added latency "
    << cell(c, "added_latency_ms", 3) << " ms per reranked text.</p>";
  return s.str();
}

}  // namespace rubrika::report
