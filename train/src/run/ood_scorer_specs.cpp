#include "ood_scorer_specs.hpp"

#include <rubrika/options_reader.hpp>

namespace rubrika::detail {

std::vector<OodScorerSpec> ood_scorer_specs(const StageRecipe& tables) {
  std::vector<OodScorerSpec> specs = {{tables.plugin_type("ood"), *tables.section("ood")}};
  if (const toml::table* report = tables.section("ood_report")) {
    OptionsReader in(*report, "ood_report", false);
    for (const auto& name : in.get_strings("scorers", {})) {
      if (name == specs.front().name)
        in.fail("scorers", "'" + name + "' is already the primary [ood] scorer");
      for (size_t i = 1; i < specs.size(); ++i)
        if (specs[i].name == name) in.fail("scorers", "'" + name + "' is listed twice");
      const toml::table* options = in.get_table(name);
      specs.push_back({name, options ? *options : toml::table{}});
    }
    in.finish();
  }
  return specs;
}

}  // namespace rubrika::detail
