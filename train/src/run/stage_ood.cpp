// Stage "ood": fit the primary OOD scorer ([ood]) and the ones reported beside it
// ([ood_report] scorers) on training features, thresholds on validation, and evaluate
// in-domain test texts against the out-of-domain set.
#include "ood_scorer_specs.hpp"
#include "stage_common.hpp"
#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/metrics/ood_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/options_reader.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <optional>

namespace rubrika::detail {
namespace {

constexpr const char* kSource = "ood";
constexpr int kHistogramBins = 30;

OodInputs inputs_of(const ForwardResult& f) { return {&f.encoded, f.logits, f.probabilities}; }

// The classes a scorer fits on. Single-label: the label ids. Multi-label: the id of each
// text's label set (its combination of topics, the empty set included), so a class-conditional
// scorer such as Mahalanobis measures the distance to the nearest label-set mean. Means of
// positives per label would leave the in-domain items without a topic (weather, incidents)
// far from every mean and flag them; one Gaussian of all features would blur the topics.
at::Tensor fit_classes(const StageRun& s) {
  const LabelledTexts& train = s.data().train;
  if (!s.data().multi_label) return at::tensor(train.labels, at::kLong);
  std::map<std::vector<float>, int64_t> ids;
  std::vector<int64_t> classes;
  classes.reserve(train.size());
  for (const auto& row : train.multi_hot)
    classes.push_back(ids.emplace(row, static_cast<int64_t>(ids.size())).first->second);
  log_info(kSource, std::to_string(ids.size()) + " distinct label sets in the training split " +
                        "are the classes of the OOD scorers");
  return at::tensor(classes, at::kLong);
}

// Counts of in-domain and OOD scores over shared bins spanning both (the top 1% clipped
// into the last bin so one outlier does not flatten the chart) and the threshold, so the
// chart shows where the threshold sits even when no score reaches it.
nlohmann::json histogram(const std::vector<double>& in, const std::vector<double>& out,
                         std::optional<double> threshold) {
  std::vector<double> all(in);
  all.insert(all.end(), out.begin(), out.end());
  std::sort(all.begin(), all.end());
  double low = all.front();
  double high = all[static_cast<size_t>(0.99 * static_cast<double>(all.size() - 1))];
  if (threshold) {
    low = std::min(low, *threshold);
    // A little room past the threshold, so its line is not drawn on the chart's edge.
    high = std::max(high, *threshold + 0.05 * std::max(std::abs(*threshold - low), 1e-9));
  }
  if (high <= low) high = low + 1.0;
  std::vector<double> edges;
  for (int i = 0; i <= kHistogramBins; ++i)
    edges.push_back(low + (high - low) * i / kHistogramBins);
  auto count = [&](const std::vector<double>& scores) {
    std::vector<int64_t> bins(kHistogramBins, 0);
    for (double v : scores) {
      int b = static_cast<int>((v - low) / (high - low) * kHistogramBins);
      bins[static_cast<size_t>(std::clamp(b, 0, kHistogramBins - 1))] += 1;
    }
    return bins;
  };
  nlohmann::json out_json = {{"edges", edges}, {"in_domain", count(in)}, {"ood", count(out)}};
  if (threshold) out_json["threshold"] = *threshold;
  return out_json;
}

// The scores of the texts the scorer was fitted and thresholded on, in split order: they
// let anyone check that serving computes the same scores for the same texts.
void keep_fit_scores(StageRun& s, const OodScorer& scorer, const std::string& group) {
  s.keep_state(group, {{"train_scores", scorer.score(inputs_of(s.forward("train"))).contiguous()},
                       {"validation_scores",
                        scorer.score(inputs_of(s.forward("validation"))).contiguous()}});
}

double flag_rate(const std::vector<bool>& flags) {
  if (flags.empty()) return 0.0;
  return std::count(flags.begin(), flags.end(), true) / static_cast<double>(flags.size());
}

// Warnings about an operating point that cannot work: a threshold that flags no validation
// text and no OOD text never fires (the defaults of the old notebook did this on real data).
std::vector<std::string> threshold_warnings(const std::string& scorer, const nlohmann::json& r) {
  std::vector<std::string> warnings;
  const bool never_on_validation = r.value("validation_flag_rate", 1.0) == 0.0;
  const bool never_on_ood = !r.contains("ood_rejection") || r["ood_rejection"] == 0.0;
  if (r.contains("threshold") && never_on_validation && never_on_ood)
    warnings.push_back(
        scorer + ": the threshold " + format_metric(r["threshold"]) + " flags no validation " +
        "text" + (r.contains("ood_rejection") ? " and no out-of-domain text" : "") +
        ": it never fires. Use rule = \"tpr\" (the default) or lower gate / target_tpr");
  return warnings;
}

nlohmann::json evaluate_scorer(StageRun& s, const OodScorer& scorer,
                               const std::map<std::string, double>& fit) {
  const ForwardResult& test = s.forward("test");
  const at::Tensor in_scores = scorer.score(inputs_of(test));
  const auto in = metrics::to_doubles(in_scores);
  // The threshold is reported once, as scorers.<name>.threshold; "fit" keeps the rest of
  // what fitting measured (validation statistics, shrinkage).
  std::map<std::string, double> fit_figures = fit;
  nlohmann::json out = nlohmann::json::object();
  if (auto t = fit_figures.find("threshold"); t != fit_figures.end()) {
    out["threshold"] = t->second;
    fit_figures.erase(t);
  }
  out["fit"] = fit_figures;
  const auto in_flags = metrics::to_bools(scorer.flag(inputs_of(test), in_scores));
  out["in_domain_flag_rate"] = flag_rate(in_flags);
  const ForwardResult& validation = s.forward("validation");
  out["validation_flag_rate"] = flag_rate(
      metrics::to_bools(scorer.flag(inputs_of(validation), scorer.score(inputs_of(validation)))));
  if (s.data().ood_texts.empty()) return out;
  const ForwardResult& ood = s.forward("ood");
  const at::Tensor ood_scores = scorer.score(inputs_of(ood));
  const auto o = metrics::to_doubles(ood_scores);
  const auto report = metrics::ood_report(in, o);
  const auto rates = metrics::rates_from_flags(
      in_flags, metrics::to_bools(scorer.flag(inputs_of(ood), ood_scores)));
  out.update(
      {{"auroc", report.auroc},
       {"aupr_in", report.aupr_in},
       {"aupr_out", report.aupr_out},
       {"fpr_at_95_tpr", report.fpr_at_95_tpr},
       {"in_domain_acceptance", rates.in_domain_acceptance},
       {"ood_rejection", rates.ood_rejection},
       {"histogram", histogram(in, o,
                               out.contains("threshold") ? std::optional<double>(out["threshold"])
                                                         : std::nullopt)}});
  // The same threshold without the confidence gate: what the gate costs in rejected OOD
  // texts (a confident wrong answer on an OOD text passes the gate).
  if (out.contains("threshold")) {
    const auto ungated = metrics::rates_at_threshold(in, o, out["threshold"].get<double>());
    out["without_gate"] = {{"in_domain_acceptance", ungated.in_domain_acceptance},
                           {"ood_rejection", ungated.ood_rejection}};
  }
  return out;
}

void log_figures(const std::string& scorer, const nlohmann::json& r) {
  for (const auto& warning : r["warnings"]) log_warn(kSource, warning.get<std::string>());
  if (!r.contains("auroc")) return;
  log_info(kSource, scorer + ": AUROC " + format_metric(r["auroc"]) + ", FPR@95 " +
                        format_metric(r["fpr_at_95_tpr"]) + ", OOD rejected " +
                        format_metric(r["ood_rejection"]) + ", in-domain accepted " +
                        format_metric(r["in_domain_acceptance"]) +
                        (r.contains("without_gate")
                             ? " (without the confidence gate: " +
                                   format_metric(r["without_gate"]["ood_rejection"]) + " / " +
                                   format_metric(r["without_gate"]["in_domain_acceptance"]) + ")"
                             : std::string()));
}

// Fits `scorer` on training features and its threshold on validation, keeps the scores it
// was fitted on, and returns its figures on test and the OOD texts.
nlohmann::json fit_scorer(StageRun& s, OodScorer& scorer, const std::string& name,
                          const at::Tensor& classes, const std::string& group) {
  scorer.fit(inputs_of(s.forward("train")), classes);
  auto fit = scorer.fit_thresholds(inputs_of(s.forward("validation")));
  keep_fit_scores(s, scorer, "analysis/" + group);
  nlohmann::json r = evaluate_scorer(s, scorer, fit);
  r["warnings"] = threshold_warnings(name, r);
  log_figures(name, r);
  return r;
}

}  // namespace

void run_ood_stage(StageRun& s) {
  if (s.tables().section("ood") == nullptr) {
    log_info(kSource, "no [ood]: texts are never flagged out-of-domain");
    return;
  }
  const bool current = s.is_current();
  nlohmann::json report = {{"primary", s.tables().plugin_type("ood")},
                           {"scorers", nlohmann::json::object()}};
  if (current && s.has_metrics()) report = s.metrics();
  at::Tensor classes;  // computed when a scorer is fitted
  for (const auto& spec : ood_scorer_specs(s.tables())) {
    auto scorer = s.registry().create<OodScorer>(spec.name, s.context(), spec.options);
    const std::string group = "ood/" + spec.name;
    auto saved = current ? s.saved_state(group) : std::nullopt;
    if (saved) {
      scorer->load_state(*saved);
      if (auto analysis = s.saved_state("analysis/" + group))
        s.keep_state("analysis/" + group, *analysis);
    } else {
      if (!classes.defined()) classes = fit_classes(s);
      report["scorers"][spec.name] = fit_scorer(s, *scorer, spec.name, classes, group);
    }
    s.keep_state(group, scorer->state());
    s.manifest().components.push_back({"ood." + spec.name, "ood", spec.name,
                                       s.registry().find("ood", spec.name).version, "", group,
                                       options_without_type(spec.options)});
    s.model().pipeline().add_ood_scorer(spec.name, std::move(scorer));
  }
  if (s.data().ood_texts.empty())
    log_warn(kSource, "no out-of-domain texts ([data] ood): AUROC is not measured");
  s.metrics() = report;
  s.write_state_file();
  s.finish();
}

}  // namespace rubrika::detail
