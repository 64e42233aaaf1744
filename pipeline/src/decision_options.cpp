#include <rubrika/options_reader.hpp>
#include <rubrika/pipeline.hpp>

namespace rubrika {
namespace {

// threshold_strategy and its threshold_target: the target is required for precision_at and
// recall_at, optional for fixed (0.5), and an error for f1, which has none.
void read_threshold_choice(OptionsReader& in, DecisionOptions& o) {
  using metrics::ThresholdStrategy;
  o.threshold_strategy =
      in.get_enum("threshold_strategy", o.threshold_strategy, metrics::kThresholdStrategyNames);
  const bool has_target = in.has("threshold_target");
  if (o.threshold_strategy == ThresholdStrategy::f1) {
    if (has_target)
      in.fail("threshold_target", "does not apply to threshold_strategy = \"f1\"",
              "remove it, or use precision_at / recall_at / fixed");
    return;
  }
  if (!has_target && o.threshold_strategy != ThresholdStrategy::fixed)
    in.fail("threshold_strategy",
            std::string("\"") + enum_name(metrics::kThresholdStrategyNames, o.threshold_strategy) +
                "\" needs threshold_target",
            "e.g. threshold_target = 0.9 (the precision or recall to reach)");
  o.threshold_target = in.get_double("threshold_target", o.threshold_target, 0.0, 1.0);
}

}  // namespace

DecisionOptions DecisionOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "decision", false);
  DecisionOptions o;
  o.other_label = in.get_string("other_label", o.other_label);
  if (o.other_label.empty()) in.fail("other_label", "must not be empty");
  o.tau_other = in.get_double("tau_other", o.tau_other, 0.0, 1.0);
  o.reject_ood = in.get_bool("reject_ood", o.reject_ood);
  o.top_k = in.get_int("top_k", o.top_k, 1, 1000);
  o.rerank_tau = in.get_double("rerank_tau", o.rerank_tau, 0.0, 1.0);
  o.rerank_candidates = in.get_int("rerank_candidates", o.rerank_candidates, 2, 1000);
  o.rerank_weight = in.get_double("rerank_weight", o.rerank_weight, 0.0, 100.0);
  o.label_template = in.get_string("label_template", o.label_template);
  if (o.label_template.find("{name}") == std::string::npos)
    in.fail("label_template", "must contain {name}", "e.g. Категория: {name}. {description}");
  o.rerank_budget = in.get_double("rerank_budget", o.rerank_budget, 0.0, 1.0);
  read_threshold_choice(in, o);
  in.finish();
  return o;
}

toml::table DecisionOptions::to_toml() const {
  toml::table out{
      {"other_label", other_label},
      {"tau_other", tau_other},
      {"reject_ood", reject_ood},
      {"top_k", top_k},
      {"rerank_tau", rerank_tau},
      {"rerank_candidates", rerank_candidates},
      {"rerank_weight", rerank_weight},
      {"label_template", label_template},
      {"rerank_budget", rerank_budget},
      {"threshold_strategy", enum_name(metrics::kThresholdStrategyNames, threshold_strategy)}};
  // f1 has no target, and reading one back under f1 is an error.
  if (threshold_strategy != metrics::ThresholdStrategy::f1)
    out.insert("threshold_target", threshold_target);
  return out;
}

}  // namespace rubrika
