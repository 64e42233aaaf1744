// What each stage of `rubrika train` reads and writes, declared once, and the resume stamp
// derived from it.
//
// A stage declares the recipe tables it reads, the stages whose outputs it uses, the files of
// the run folder it writes and its key of metrics.json. Its stamp (stages/<stage>.json) is a
// hash of exactly those tables, the run seed and the upstream stamps, so a stage reruns
// when, and only when, something it declares changed, or when a file it declares is gone.
// The stage reads the recipe through a StageRecipe and upstream outputs through checked
// accessors, which refuse a table or a stage it did not declare: an input forgotten in the
// declaration fails loudly on the first run instead of silently breaking resume.
#pragma once

#include <rubrika/run_layout.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

class Recipe;

struct StageInputs {
  using RunFile = std::filesystem::path (*)(const RunLayout&);

  std::string name;                   // "classifier"
  std::vector<std::string> sections;  // recipe tables it reads: "encoder", "head", "train"
  std::vector<std::string> upstream;  // stages whose outputs it uses: "data", "vocab"
  std::vector<RunFile> files;         // what it writes in the run folder (resume needs them)
  std::string metrics_key;            // its part of metrics.json ("" = none)
  // The recipe table without which the stage does nothing ("" = it always runs). Without
  // it the stage's stamp is empty and adds nothing to the stamps downstream, so a stage
  // added to rubrika later (pretrain) leaves the stamps of older run folders as they were.
  std::string runs_only_with;
};

// Every stage of `rubrika train`, in order, with its inputs.
const std::vector<StageInputs>& stage_inputs();

// Hash of the declared tables (as TOML text), the run seed and the upstream stamps (a
// stage missing from `stamps` counts as empty; an upstream stamp that is empty, a stage the
// recipe does not run, is left out). Empty for a stage whose runs_only_with table is absent.
std::string stage_stamp(const Recipe& recipe, const StageInputs& stage,
                        const std::map<std::string, std::string>& stamps);

// Throws rubrika::Error naming both stages unless `stage` declared `upstream` (a bug in the
// stage table: its stamp would ignore a change upstream).
void check_upstream_declared(const StageInputs& stage, const std::string& upstream);

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
