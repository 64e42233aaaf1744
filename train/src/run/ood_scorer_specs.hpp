// The OOD scorers a run fits: [ood] is the primary one; [ood_report] scorers = [...], each
// with an optional [ood_report.<name>] table of options, are evaluated beside it.
#pragma once

#include <rubrika/train/stage_inputs.hpp>

#include <toml++/toml.h>

#include <string>
#include <vector>

namespace rubrika::detail {

struct OodScorerSpec {
  std::string name;  // plugin name: "mahalanobis", "msp", …
  toml::table options;
};

// The primary scorer first. `tables` must declare "ood" and "ood_report"; the recipe must
// have [ood]. Throws RecipeError for an unknown [ood_report] key or a scorer listed twice.
std::vector<OodScorerSpec> ood_scorer_specs(const StageRecipe& tables);

}  // namespace rubrika::detail
