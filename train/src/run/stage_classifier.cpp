// Stage "classifier": fine-tune encoder + head, save them, evaluate on the test split.
#include "stage_common.hpp"
#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/fittable.hpp>
#include <rubrika/log.hpp>
#include <rubrika/train/trainer.hpp>

namespace rubrika::detail {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "classifier";

const toml::table& required_section(const StageRun& s, const std::string& name) {
  const toml::table* table = s.tables().section(name);
  if (table == nullptr)
    throw RecipeError("the recipe has no [" + name + "] section", s.recipe().file().string(),
                      "add [" + name + "] with type = \"...\"");
  return *table;
}

ClassifierTraining classifier_training(const StageRun& s) {
  static const toml::table empty;
  const toml::table* train = s.tables().section("train");
  ClassifierTraining training = ClassifierTraining::from_toml(train ? *train : empty);
  const toml::table* long_text = s.tables().section("long_text");
  training.task.long_text = LongTextOptions::from_toml(long_text ? *long_text : empty);
  return training;
}

// The encoder and head: loaded when the stage is current, else trained (rank 0 saves them).
struct TrainedModel {
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Head> head;
  bool loaded = false;
};

TrainedModel load_model(const StageRun& s, const std::string& encoder_type,
                        const toml::table& encoder_table, const std::string& head_type,
                        const toml::table& head_table) {
  log_info(kSource, "up to date: loading " + s.layout().encoder().string());
  TrainedModel m;
  m.encoder =
      s.registry().create<Encoder>(encoder_type, s.context(s.layout().encoder()), encoder_table);
  PluginContext head_context = s.context(s.layout().head());
  head_context.input_size = m.encoder->hidden_size();
  m.head = s.registry().create<Head>(head_type, head_context, head_table);
  m.loaded = true;
  return m;
}

TrainedModel train_model(StageRun& s, const std::string& encoder_type,
                         const toml::table& encoder_table, const std::string& head_type,
                         const toml::table& head_table, const ClassifierTraining& training) {
  const DataOutput& data = s.data();
  TrainedModel m;
  m.encoder = s.registry().create<Encoder>(encoder_type, s.context(), encoder_table);
  if (auto* fittable = dynamic_cast<Fittable*>(m.encoder.get())) {
    log_info(kSource, "fitting the " + encoder_type + " encoder on " +
                          std::to_string(data.train.size()) + " texts");
    fittable->fit(data.train.texts);
  }
  PluginContext head_context = s.context();
  head_context.input_size = m.encoder->hidden_size();
  m.head = s.registry().create<Head>(head_type, head_context, head_table);
  ClassifierTaskOptions task_options = training.task;
  task_options.freeze_encoder |= m.encoder->named_parameters().empty();
  ClassifierTask task(*m.encoder, *m.head, data.train, data.validation, task_options);
  Trainer trainer(training.trainer, s.run().run_dir, kSource, s.recipe().run().seed);
  trainer.distribute(s.request().communicator);
  TrainingResult result = trainer.train(task, s.request().resume);
  if (!s.lead()) return m;  // rank 0 saves, evaluates and goes on with the later stages
  m.encoder->save(s.layout().encoder());
  m.head->save(s.layout().head());
  s.metrics() = {{"encoder", encoder_type},         {"head", head_type},
                 {"best_step", result.best_step},   {"steps", result.steps},
                 {"train_seconds", result.seconds}, {"best_validation", result.best_evaluation}};
  add_training_curves(s.layout().train_log(), s.metrics());
  return m;
}

void evaluate_on_test(StageRun& s) {
  const DataOutput& data = s.data();
  const ForwardResult& test = s.forward("test");
  nlohmann::json& metrics = s.metrics();
  metrics["test"] = data.multi_label
                        ? multilabel_json(data.test.multi_hot, test.logits, data.labels)
                        : classification_json(data.test.labels, test.logits, data.labels);
  log_info(kSource, "test accuracy " + format_metric(metrics["test"]["accuracy"]) + ", macro-F1 " +
                        format_metric(metrics["test"]["macro_f1"]));
}

}  // namespace

void run_classifier_stage(StageRun& s) {
  const toml::table* trained_table = s.trained_encoder_table();
  const toml::table& encoder_table =
      trained_table ? *trained_table : required_section(s, "encoder");
  const toml::table& head_table = required_section(s, "head");
  const std::string encoder_type = s.tables().plugin_type("encoder");
  const std::string head_type = s.tables().plugin_type("head");
  const ClassifierTraining training = classifier_training(s);
  TrainedModel m =
      s.is_current() ? load_model(s, encoder_type, encoder_table, head_type, head_table)
                     : train_model(s, encoder_type, encoder_table, head_type, head_table, training);
  if (!s.lead()) return;
  RunManifest& manifest = s.manifest();
  manifest.components.push_back(
      {"encoder", "encoder", encoder_type, s.registry().find("encoder", encoder_type).version,
       RunLayout::kEncoder, "", options_pointing_at(encoder_table, RunLayout::kEncoder)});
  manifest.components.push_back({"head", "head", head_type,
                                 s.registry().find("head", head_type).version, RunLayout::kHead, "",
                                 options_without_type(head_table)});
  manifest.long_text = training.task.long_text.to_toml();
  auto pipeline = std::make_unique<Pipeline>(s.data().normalize, s.data().labels,
                                             std::move(m.encoder), std::move(m.head));
  pipeline->set_long_text(training.task.long_text);
  s.set_model(ModelOutput(std::move(pipeline)));
  if (!m.loaded || !s.metrics().contains("test")) evaluate_on_test(s);
  s.finish();
}

}  // namespace rubrika::detail
