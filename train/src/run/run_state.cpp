#include "run_state.hpp"

#include <rubrika/error.hpp>
#include <rubrika/state/state_file.hpp>

namespace rubrika::detail {
namespace fs = std::filesystem;

const ForwardResult& forward_split(RunState& s, const std::string& split) {
  auto found = s.forward_cache.find(split);
  if (found != s.forward_cache.end()) return found->second;
  const std::vector<std::string>* texts = nullptr;
  if (split == "train") texts = &s.train.texts;
  if (split == "validation") texts = &s.validation.texts;
  if (split == "test") texts = &s.test.texts;
  if (split == "ood") texts = &s.ood_texts;
  if (texts == nullptr) throw Error("unknown split '" + split + "'");
  return s.forward_cache.emplace(split, s.pipeline->forward_all(*texts, 64)).first->second;
}

DecisionOptions decision_options(const RunState& s) {
  static const toml::table empty;
  const toml::table* table = s.tables().section("decision");
  return DecisionOptions::from_toml(table ? *table : empty);
}

std::optional<TensorMap> read_state_group(const RunState& s, const std::string& group) {
  const fs::path file = s.layout().state();
  if (!fs::exists(file)) return std::nullopt;
  state::StateReader reader(file);
  if (!reader.has(group)) return std::nullopt;
  return reader.read_tensor_map(group);
}

void write_state_file(const RunState& s) {
  state::StateWriter writer(s.layout().state());
  writer.write_strings("labels", s.labels.names());
  writer.set_int_attribute("/", "format_version", kRunFormatVersion);
  for (const auto& [group, map] : s.state_groups) writer.write_tensor_map(group, map);
  writer.commit();
}

}  // namespace rubrika::detail
