// Stage "classifier": fine-tune encoder + head, save them, evaluate on the test split.
#include "run_state.hpp"
#include "stage_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/fittable.hpp>
#include <rubrika/log.hpp>
#include <rubrika/train/trainer.hpp>

#include <fstream>

namespace rubrika::detail {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "classifier";

const toml::table& required_section(const RunState& s, const std::string& name) {
  const toml::table* table = s.tables().section(name);
  if (table == nullptr)
    throw RecipeError("the recipe has no [" + name + "] section", s.recipe.file().string(),
                      "add [" + name + "] with type = \"...\"");
  return *table;
}

ClassifierTraining classifier_training(const RunState& s) {
  static const toml::table empty;
  const toml::table* train = s.tables().section("train");
  ClassifierTraining training = ClassifierTraining::from_toml(train ? *train : empty);
  const toml::table* long_text = s.tables().section("long_text");
  training.task.long_text = LongTextOptions::from_toml(long_text ? *long_text : empty);
  return training;
}

// Reads train_log.jsonl into the "history" and "evaluations" arrays of metrics.json.
void add_training_curves(const fs::path& log_file, nlohmann::json& out) {
  out["history"] = nlohmann::json::array();
  out["evaluations"] = nlohmann::json::array();
  std::ifstream in(log_file);
  std::string line;
  while (std::getline(in, line)) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded()) continue;
    if (entry.contains("eval")) {
      nlohmann::json e = entry["eval"];
      e["step"] = entry["step"];
      e["epoch"] = entry["epoch"];
      out["evaluations"].push_back(e);
    } else {
      out["history"].push_back(entry);
    }
  }
}

}  // namespace

void run_classifier_stage(RunState& s) {
  const toml::table& encoder_table =
      s.encoder_options.empty() ? required_section(s, "encoder") : s.encoder_options;
  const toml::table& head_table = required_section(s, "head");
  const std::string encoder_type = s.tables().plugin_type("encoder");
  const std::string head_type = s.tables().plugin_type("head");
  const ClassifierTraining training = classifier_training(s);
  const std::string& stamp = s.stamps["classifier"];
  const fs::path encoder_dir = s.layout().encoder();
  const fs::path head_file = s.layout().head();

  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Head> head;
  const bool current = stage_is_current(s, "classifier", stamp, {encoder_dir, head_file});
  if (current) {
    log_info(kSource, "up to date: loading " + encoder_dir.string());
    encoder = s.registry.create<Encoder>(encoder_type, s.context(encoder_dir), encoder_table);
    PluginContext head_context = s.context(head_file);
    head_context.input_size = encoder->hidden_size();
    head = s.registry.create<Head>(head_type, head_context, head_table);
  } else {
    encoder = s.registry.create<Encoder>(encoder_type, s.context(), encoder_table);
    if (auto* fittable = dynamic_cast<Fittable*>(encoder.get())) {
      log_info(kSource, "fitting the " + encoder_type + " encoder on " +
                            std::to_string(s.train.size()) + " texts");
      fittable->fit(s.train.texts);
    }
    PluginContext head_context = s.context();
    head_context.input_size = encoder->hidden_size();
    head = s.registry.create<Head>(head_type, head_context, head_table);
    ClassifierTaskOptions task_options = training.task;
    task_options.freeze_encoder |= encoder->named_parameters().empty();
    ClassifierTask task(*encoder, *head, s.train, s.validation, task_options);
    Trainer trainer(training.trainer, s.run_dir, kSource, s.recipe.run().seed);
    trainer.distribute(s.request.communicator);
    TrainingResult result = trainer.train(task, s.request.resume);
    if (!s.lead()) return;  // rank 0 saves, evaluates and goes on with the later stages
    encoder->save(encoder_dir);
    head->save(head_file);
    s.metrics["classifier"] = {
        {"encoder", encoder_type},         {"head", head_type},
        {"best_step", result.best_step},   {"steps", result.steps},
        {"train_seconds", result.seconds}, {"best_validation", result.best_evaluation}};
    add_training_curves(s.layout().train_log(), s.metrics["classifier"]);
  }
  if (!s.lead()) return;
  s.manifest.components.push_back(
      {"encoder", "encoder", encoder_type, s.registry.find("encoder", encoder_type).version,
       RunLayout::kEncoder, "", options_pointing_at(encoder_table, RunLayout::kEncoder)});
  s.manifest.components.push_back({"head", "head", head_type,
                                   s.registry.find("head", head_type).version, RunLayout::kHead, "",
                                   options_without_type(head_table)});
  s.pipeline =
      std::make_unique<Pipeline>(s.normalize, s.labels, std::move(encoder), std::move(head));
  s.pipeline->set_long_text(training.task.long_text);
  s.manifest.long_text = training.task.long_text.to_toml();

  if (!current || !s.metrics["classifier"].contains("test")) {
    ForwardResult test = s.pipeline->forward_all(s.test.texts, 64);
    s.metrics["classifier"]["test"] =
        s.multi_label ? multilabel_json(s.test.multi_hot, test.logits, s.labels)
                      : classification_json(s.test.labels, test.logits, s.labels);
    log_info(kSource,
             "test accuracy " + format_metric(s.metrics["classifier"]["test"]["accuracy"]) +
                 ", macro-F1 " + format_metric(s.metrics["classifier"]["test"]["macro_f1"]));
  }
  record_stage(s, "classifier", stamp);
}

}  // namespace rubrika::detail
