// Stage "baseline": the tfidf encoder + linear head (logistic regression on TF-IDF, the
// old notebooks' baseline) on the same train/validation/test split as the classifier, so
// the report can show what the main model adds. The encoder is frozen: its features are
// computed once and only the head trains. Artifacts go to baseline/ in the run folder.
#include "baseline_options.hpp"
#include "run_state.hpp"
#include "stage_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/fittable.hpp>
#include <rubrika/log.hpp>
#include <rubrika/train/trainer.hpp>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>

namespace rubrika::detail {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSource = "baseline";
constexpr const char* kEncoder = "tfidf";
constexpr const char* kHead = "linear";
constexpr int64_t kEvalBatch = 256;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The fitted tfidf encoder; its options come from [baseline], so errors name that table.
std::unique_ptr<Encoder> fitted_encoder(RunState& s, const BaselineOptions& o) {
  std::unique_ptr<Encoder> encoder;
  try {
    encoder = s.registry.create<Encoder>(kEncoder, s.context(), o.encoder);
  } catch (...) {
    rethrow_with_context("[baseline] tfidf options");
  }
  auto* fittable = dynamic_cast<Fittable*>(encoder.get());
  if (fittable == nullptr)
    throw PluginError("the tfidf encoder plugin does not implement Fittable", "encoder/tfidf",
                      "rebuild the tfidf plugin from this source tree");
  fittable->fit(s.train.texts);
  return encoder;
}

// A plain logistic regression: the pooled vector (the TF-IDF row) and no dropout.
std::unique_ptr<Head> linear_head(RunState& s, int64_t input_size) {
  PluginContext context = s.context();
  context.input_size = input_size;
  const toml::table options{{"features", "pooled"}, {"dropout", 0.0}};
  return s.registry.create<Head>(kHead, context, options);
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

}  // namespace

void run_baseline_stage(RunState& s) {
  const BaselineOptions o = BaselineOptions::read(s.tables().section("baseline"));
  if (!o.enabled || s.multi_label) {
    if (!o.enabled)
      log_info(kSource, "[baseline] enabled = false: skipped");
    else
      log_info(kSource,
               "the tfidf + linear baseline is single-label; skipped for this multi-label run");
    s.metrics.erase("baseline");  // figures of an earlier run would no longer describe this one
    return;
  }
  const std::string& stamp = s.stamps["baseline"];
  const RunLayout baseline = s.layout().baseline();
  if (s.metrics.contains("baseline") &&
      stage_is_current(s, "baseline", stamp, {baseline.encoder(), baseline.head()})) {
    log_info(kSource, "up to date: macro-F1 " + format_metric(s.metrics["baseline"]["macro_f1"]));
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
    ClassifierTask task(*encoder, *head, s.train, s.validation, task_options);
    Trainer trainer(o.trainer_options(s.train.size()), baseline.training().root(), kSource,
                    s.recipe.run().seed);
    result = trainer.train(task, s.request.resume);
  }
  const double train_seconds = seconds_since(start);
  encoder->save(baseline.encoder());
  head->save(baseline.head());

  nlohmann::json test =
      classification_json(s.test.labels, logits_of(*encoder, *head, s.test.texts), s.labels);
  s.metrics["baseline"] = {{"name", "tfidf + linear"},
                           {"encoder", kEncoder},
                           {"head", kHead},
                           {"dimensions", encoder->hidden_size()},
                           {"evaluated_on", "test"},
                           {"n", test["n"]},
                           {"accuracy", test["accuracy"]},
                           {"macro_f1", test["macro_f1"]},
                           {"per_class", test["per_class"]},
                           {"train_seconds", train_seconds},
                           {"vocabulary_seconds", vocabulary_seconds},
                           {"steps", result.steps},
                           {"best_step", result.best_step},
                           {"best_validation", result.best_evaluation},
                           {"artifacts", "baseline"}};
  log_info(kSource, "tfidf + linear: test accuracy " + format_metric(test["accuracy"]) +
                        ", macro-F1 " + format_metric(test["macro_f1"]) + " (" +
                        format_metric(train_seconds) + " s to train)");
  record_stage(s, "baseline", stamp);
}

}  // namespace rubrika::detail
