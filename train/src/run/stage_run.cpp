#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/state/state_file.hpp>
#include <rubrika/train/communicator.hpp>
#include <rubrika/utc_time.hpp>

#include <algorithm>
#include <fstream>

namespace rubrika::detail {
namespace fs = std::filesystem;

const ForwardResult& ModelOutput::forward(const std::string& split, const DataOutput& data) {
  auto found = forward_cache_.find(split);
  if (found != forward_cache_.end()) return found->second;
  const std::vector<std::string>* texts = nullptr;
  if (split == "train") texts = &data.train.texts;
  if (split == "validation") texts = &data.validation.texts;
  if (split == "test") texts = &data.test.texts;
  if (split == "ood") texts = &data.ood_texts;
  if (texts == nullptr) throw Error("unknown split '" + split + "'");
  return forward_cache_.emplace(split, pipeline_->forward_all(*texts, 64)).first->second;
}

bool RunContext::lead() const {
  return request.communicator == nullptr || request.communicator->rank() == 0;
}

PluginContext StageRun::context(const fs::path& artifact) const {
  PluginContext c;
  c.device = run_.device;
  c.recipe_dir = run_.recipe.folder();
  c.artifact = artifact;
  c.use = artifact.empty() ? ArtifactUse::initialise : ArtifactUse::load;
  if (outputs_.data) c.labels = outputs_.data->labels.names();
  c.seed = run_.recipe.run().seed;
  return c;
}

DecisionOptions StageRun::decision_options() const {
  static const toml::table empty;
  const toml::table* table = tables().section("decision");
  return DecisionOptions::from_toml(table ? *table : empty);
}

const DataOutput& StageRun::data() const {
  check_input("data");
  if (!outputs_.data) throw Error("stage '" + stage_.name + "' ran before the data stage");
  return *outputs_.data;
}

const toml::table* StageRun::trained_encoder_table() const {
  check_input("vocab");
  if (stage_.name != "vocab") check_input("pretrain");  // pretrain may have replaced it
  return outputs_.encoder_table ? &*outputs_.encoder_table : nullptr;
}

ModelOutput& StageRun::model() const {
  check_input("classifier");
  if (!outputs_.model) throw Error("stage '" + stage_.name + "' ran before the classifier");
  return *outputs_.model;
}

const ForwardResult& StageRun::forward(const std::string& split) const {
  return model().forward(split, data());
}

void StageRun::check_input(const char* stage) const {
  if (stage_.name != stage) check_upstream_declared(stage_, stage);  // its own output is fine
}

void StageRun::check_output(const char* stage) const {
  if (stage_.name != stage)
    throw Error("stage '" + stage_.name + "' sets the output of stage '" + stage + "'");
}

void StageRun::set_data(DataOutput data) {
  check_output("data");
  outputs_.data = std::move(data);
}

void StageRun::set_encoder_table(toml::table table) {
  if (stage_.name != "pretrain") check_output("vocab");
  outputs_.encoder_table = std::move(table);
}

void StageRun::set_model(ModelOutput model) {
  check_output("classifier");
  outputs_.model.emplace(std::move(model));
}

nlohmann::json& StageRun::metrics() const {
  if (stage_.metrics_key.empty())
    throw Error("stage '" + stage_.name + "' declares no key of metrics.json");
  return outputs_.record.metrics[stage_.metrics_key];
}

void StageRun::drop_metrics() const {
  if (!stage_.metrics_key.empty()) outputs_.record.metrics.erase(stage_.metrics_key);
}

void StageRun::keep_state(const std::string& group, TensorMap tensors) const {
  outputs_.record.state_groups[group] = std::move(tensors);
}

std::optional<TensorMap> StageRun::saved_state(const std::string& group) const {
  const fs::path file = layout().state();
  if (!fs::exists(file)) return std::nullopt;
  state::StateReader reader(file);
  if (!reader.has(group)) return std::nullopt;
  return reader.read_tensor_map(group);
}

void StageRun::write_state_file() const {
  state::StateWriter writer(layout().state());
  writer.write_strings("labels", data().labels.names());
  writer.set_int_attribute("/", "format_version", kRunFormatVersion);
  for (const auto& [group, map] : outputs_.record.state_groups) writer.write_tensor_map(group, map);
  writer.commit();
}

void StageRun::write_metrics_file() const {
  write_file_atomically(layout().metrics(), outputs_.record.metrics.dump(2) + "\n");
}

bool StageRun::is_current() const {
  if (run_.request.force) return false;
  const fs::path file = layout().stage_stamp(stage_.name);
  if (!fs::exists(file)) return false;
  try {
    std::ifstream in(file);
    if (nlohmann::json::parse(in).value("stamp", "") != stamp_) return false;
  } catch (const std::exception&) {
    return false;
  }
  const RunLayout here = layout();
  return std::all_of(stage_.files.begin(), stage_.files.end(),
                     [&](StageInputs::RunFile file) { return fs::exists(file(here)); });
}

void StageRun::finish() const {
  if (!lead()) return;
  const fs::path file = layout().stage_stamp(stage_.name);
  fs::create_directories(file.parent_path());
  nlohmann::json json = {{"stage", stage_.name}, {"stamp", stamp_}, {"finished", utc_now()}};
  write_file_atomically(file, json.dump(2) + "\n");
}

}  // namespace rubrika::detail
