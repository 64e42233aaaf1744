// What each stage of `rubrika train` reads, declared once, and the resume stamp derived from it.
//
// A stage declares the recipe tables it reads and the stages whose outputs it uses. Its stamp
// (stages/<stage>.json) is a hash of exactly those tables, the run seed and the upstream
// stamps, so a stage reruns when, and only when, something it declares changed. The stage
// reads the recipe through a StageRecipe, which refuses a table the stage did not declare:
// an input forgotten in the declaration fails loudly on the first run instead of silently
// breaking resume.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <string>
#include <vector>

namespace rubrika {

class Recipe;

struct StageInputs {
  std::string name;                   // "classifier"
  std::vector<std::string> sections;  // recipe tables it reads: "encoder", "head", "train"
  std::vector<std::string> upstream;  // stages whose outputs it uses: "data", "vocab"
};

// Every stage of `rubrika train`, in order, with its inputs.
const std::vector<StageInputs>& stage_inputs();

// Hash of the declared tables (as TOML text), the run seed and the upstream stamps (a
// stage missing from `stamps` counts as empty).
std::string stage_stamp(const Recipe& recipe, const StageInputs& stage,
                        const std::map<std::string, std::string>& stamps);

// The recipe as one stage may read it: only the tables it declared.
class StageRecipe {
 public:
  StageRecipe(const Recipe& recipe, const StageInputs& stage) : recipe_(recipe), stage_(stage) {}

  // The declared table `name`, or nullptr when the recipe does not have it. Throws
  // rubrika::Error when the stage did not declare `name` (a bug in the stage table).
  const toml::table* section(const std::string& name) const;
  // The `type` of a declared plugin table, "" when absent.
  std::string plugin_type(const std::string& name) const;
  const Recipe& recipe() const { return recipe_; }

 private:
  void check_declared(const std::string& name) const;
  const Recipe& recipe_;
  const StageInputs& stage_;
};

}  // namespace rubrika
