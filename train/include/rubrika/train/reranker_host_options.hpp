// The keys of [reranker] that the reranker stage reads itself; the rest of the table is the
// reranker plugin's own options (the plugin's OptionsReader knows to accept these).
//
//   [reranker]
//   type = "cross_encoder"
//   allow_label_names = false   # true: train even when some labels have no description and
//                               # the cross-encoder would score pairs like "категория: x_y"
#pragma once

#include <toml++/toml.h>

namespace rubrika {

struct RerankerHostOptions {
  bool allow_label_names = false;

  // Reads the stage's keys of `table` (the plugin's reader accepts and ignores them). A
  // wrong type is a RecipeError at its file:line:col.
  static RerankerHostOptions read(const toml::table& table);
};

}  // namespace rubrika
