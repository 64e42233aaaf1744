// Stage "baseline": the tfidf encoder + linear head (logistic regression on TF-IDF, the
// old notebooks' baseline) on the same train/validation/test split as the classifier, so
// the report can show what the main model adds. Multi-label runs get one sigmoid per label
// instead (one-vs-rest logistic regression), with its own per-label thresholds chosen on
// validation by the run's [decision] threshold_strategy. The encoder is frozen: its features are
// computed once and only the head trains. Artifacts go to baseline/ in the run folder.
#include "baseline_options.hpp"
#include "stage_common.hpp"
#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/fittable.hpp>
#include <rubrika/log.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/multilabel_evaluation.hpp>
#include <rubrika/train/trainer.hpp>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>

namespace rubrika::detail {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSource = "baseline";
constexpr const char* kEncoder = "tfidf";

// The head plugin: softmax logistic regression, or one sigmoid per label.
const char* head_type(const StageRun& s) { return s.data().multi_label ? "multilabel" : "linear"; }
constexpr int64_t kEvalBatch = 256;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The fitted tfidf encoder; its options come from [baseline], so errors name that table.
std::unique_ptr<Encoder> fitted_encoder(StageRun& s, const BaselineOptions& o) {
  std::unique_ptr<Encoder> encoder;
  try {
    encoder = s.registry().create<Encoder>(kEncoder, s.context(), o.encoder);
  } catch (...) {
    rethrow_with_context("[baseline] tfidf options");
  }
  auto* fittable = dynamic_cast<Fittable*>(encoder.get());
  if (fittable == nullptr)
    throw PluginError("the tfidf encoder plugin does not implement Fittable", "encoder/tfidf",
                      "rebuild the tfidf plugin from this source tree");
  fittable->fit(s.data().train.texts);
  return encoder;
}

// A plain logistic regression: the pooled vector (the TF-IDF row) and no dropout.
std::unique_ptr<Head> linear_head(StageRun& s, int64_t input_size) {
  PluginContext context = s.context();
  context.input_size = input_size;
  const toml::table options{{"features", "pooled"}, {"dropout", 0.0}};
  return s.registry().create<Head>(head_type(s), context, options);
}

// Logits [n, labels] of `texts`, in batches, without keeping the wide feature rows.
at::Tensor logits_of(Encoder& encoder, Head& head, const std::vector<std::string>& texts) {
  c10::InferenceMode guard;
  encoder.set_training(false);
  head.set_training(false);
  std::vector<at::Tensor> parts;
  for (size_t begin = 0; begin < texts.size(); begin += kEvalBatch) {
    const size_t end = std::min(texts.size(), begin + static_cast<size_t>(kEvalBatch));
    const std::vector<std::string> chunk(texts.begin() + static_cast<long>(begin),
                                         texts.begin() + static_cast<long>(end));
    parts.push_back(head.forward(encoder.forward(encoder.tokenize(chunk))).to(at::kCPU));
  }
  return at::cat(parts);
}

// The multi-label figures: thresholds chosen on the baseline's own validation probabilities
// (the decision the run's recipe asks for), then test at them and at 0.5.
nlohmann::json multilabel_figures(StageRun& s, Encoder& encoder, Head& head) {
  const DataOutput& data = s.data();
  const DecisionOptions decision = s.decision_options();
  const LabelThresholds chosen = choose_label_thresholds(
      data.labels.names(),
      metrics::to_rows(at::sigmoid(logits_of(encoder, head, data.validation.texts))),
      truth_rows(data.validation.multi_hot), decision.threshold_strategy,
      decision.threshold_target);
  nlohmann::json test = multilabel_evaluation_json(
      data.labels.names(), metrics::to_rows(at::sigmoid(logits_of(encoder, head, data.test.texts))),
      truth_rows(data.test.multi_hot), chosen.thresholds);
  return {{"multi_label", true},
          {"n", test["n"]},
          {"micro_f1", test["tuned"]["micro_f1"]},
          {"macro_f1", test["tuned"]["macro_f1"]},
          {"multilabel", {{"thresholds", chosen.report}, {"test", test}}}};
}

nlohmann::json single_label_figures(StageRun& s, Encoder& encoder, Head& head) {
  const DataOutput& data = s.data();
  nlohmann::json test =
      classification_json(data.test.labels, logits_of(encoder, head, data.test.texts), data.labels);
  return {{"n", test["n"]},
          {"accuracy", test["accuracy"]},
          {"macro_f1", test["macro_f1"]},
          {"per_class", test["per_class"]}};
}

}  // namespace

void run_baseline_stage(StageRun& s) {
  const BaselineOptions o = BaselineOptions::read(s.tables().section("baseline"));
  if (!o.enabled) {
    log_info(kSource, "[baseline] enabled = false: skipped");
    s.drop_metrics();  // figures of an earlier run would no longer describe this one
    return;
  }
  const RunLayout baseline = s.layout().baseline();
  if (s.has_metrics() && s.is_current()) {
    log_info(kSource, "up to date: macro-F1 " + format_metric(s.metrics()["macro_f1"]));
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Encoder> encoder = fitted_encoder(s, o);
  const double vocabulary_seconds = seconds_since(start);
  std::unique_ptr<Head> head = linear_head(s, encoder->hidden_size());
  ClassifierTaskOptions task_options;
  task_options.freeze_encoder = true;
  task_options.eval_batch_size = kEvalBatch;
  TrainingResult result;
  {
    // The task holds the cached [train, features] matrix: freed once the head is trained.
    const DataOutput& data = s.data();
    ClassifierTask task(*encoder, *head, data.train, data.validation, task_options);
    Trainer trainer(o.trainer_options(data.train.size()), baseline.training().root(), kSource,
                    s.recipe().run().seed);
    result = trainer.train(task, s.request().resume);
  }
  const double train_seconds = seconds_since(start);
  encoder->save(baseline.encoder());
  head->save(baseline.head());

  const std::string name = std::string(kEncoder) + " + " + head_type(s);
  nlohmann::json out = s.data().multi_label ? multilabel_figures(s, *encoder, *head)
                                            : single_label_figures(s, *encoder, *head);
  out.update({{"name", name},
              {"encoder", kEncoder},
              {"head", head_type(s)},
              {"dimensions", encoder->hidden_size()},
              {"evaluated_on", "test"},
              {"train_seconds", train_seconds},
              {"vocabulary_seconds", vocabulary_seconds},
              {"steps", result.steps},
              {"best_step", result.best_step},
              {"best_validation", result.best_evaluation},
              {"artifacts", "baseline"}});
  s.metrics() = out;
  log_info(kSource, name + ": test macro-F1 " + format_metric(out["macro_f1"]) + " (" +
                        format_metric(train_seconds) + " s to train)");
  s.finish();
}

}  // namespace rubrika::detail
