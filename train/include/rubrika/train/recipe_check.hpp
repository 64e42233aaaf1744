// The whole recipe checked before any stage runs. `rubrika recipe check` and the start of
// `rubrika train` call the same check_recipe, so a recipe that passes the one does not fail
// the other an hour later.
//
// Every table a stage will read is read with that stage's own reader: plugin tables through
// their plugin's Options (the registry's check), core tables ([data], [normalizer], [vocab],
// [train], [long_text], [calibrator]'s guard keys, [ood_report], [reranker_train],
// [decision], [baseline], [run] distributed) through theirs. So a misspelt key or a value out
// of range is a RecipeError at its file:line:col with a "did you mean", before the classifier
// trains. The files and folders it names are checked too: data files (unless [data.synth]
// writes them), word lists, Hugging Face model folders; plugin folders are checked when the
// registry loads them. [serve] is the server's and is checked by `recipe check` itself.
#pragma once

#include <string>
#include <vector>

namespace rubrika {

class PluginRegistry;
class Recipe;

struct RecipeCheck {
  std::vector<std::string> plugins;  // "kind/type" of each plugin the run uses, in recipe order
};

// Throws the first problem found (RecipeError, InputError or PluginError, naming the table
// and where in the recipe).
RecipeCheck check_recipe(const Recipe& recipe, PluginRegistry& registry);

}  // namespace rubrika
