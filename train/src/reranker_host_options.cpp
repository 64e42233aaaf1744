#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/train/reranker_host_options.hpp>

namespace rubrika {

RerankerHostOptions RerankerHostOptions::read(const toml::table& table) {
  RerankerHostOptions o;
  if (const toml::node* node = table.get("allow_label_names")) {
    const auto value = node->value<bool>();
    if (!value)
      throw RecipeError("[reranker] allow_label_names: expected true or false",
                        source_location(node->source()));
    o.allow_label_names = *value;
  }
  return o;
}

}  // namespace rubrika
