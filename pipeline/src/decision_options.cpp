#include <rubrika/options_reader.hpp>
#include <rubrika/pipeline.hpp>

namespace rubrika {

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
  in.finish();
  return o;
}

toml::table DecisionOptions::to_toml() const {
  return toml::table{{"other_label", other_label},     {"tau_other", tau_other},
                     {"reject_ood", reject_ood},       {"top_k", top_k},
                     {"rerank_tau", rerank_tau},       {"rerank_candidates", rerank_candidates},
                     {"rerank_weight", rerank_weight}, {"label_template", label_template},
                     {"rerank_budget", rerank_budget}};
}

}  // namespace rubrika
