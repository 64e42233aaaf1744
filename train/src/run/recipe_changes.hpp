// What changed between the recipe a run was started with and the one it is resumed with, key
// by key, so that `rubrika train --resume` can refuse to continue a run with another recipe
// (a checkpoint of one learning rate finished with another is neither run).
#pragma once

#include <string>
#include <vector>

namespace rubrika::detail {

// Both are resolved recipes (Recipe::resolved_toml()). One line per key whose value differs,
// was added or was removed, in key order: "train.learning_rate: 0.0005 → 0.001",
// "train.epochs: (absent) → 3". Empty when they are the same.
std::vector<std::string> recipe_changes(const std::string& before, const std::string& after);

}  // namespace rubrika::detail
