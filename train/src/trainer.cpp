#include <rubrika/train/trainer.hpp>

#include "checkpoint.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/mixed_precision.hpp>
#include <rubrika/progress.hpp>

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace rubrika {
namespace fs = std::filesystem;

TrainingTask::~TrainingTask() = default;

namespace {

// Parameter groups: {encoder, head} × {decay, no decay}. Head parameters are the ones
// named "head.*"; they may have their own learning rate.
struct ParameterGroups {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<double> base_lrs;
};

ParameterGroups make_groups(const NamedParameters& params, const TrainerOptions& o) {
  std::vector<torch::Tensor> buckets[4];
  for (const auto& [name, tensor] : params) {
    if (!tensor.requires_grad()) continue;
    const bool head = name.rfind("head.", 0) == 0;
    const bool no_decay = is_no_decay_parameter(name);
    buckets[(head ? 2 : 0) + (no_decay ? 1 : 0)].push_back(tensor);
  }
  ParameterGroups out;
  const double head_lr = o.head_learning_rate > 0 ? o.head_learning_rate : o.learning_rate;
  for (int i = 0; i < 4; ++i) {
    if (buckets[i].empty()) continue;
    const double lr = i >= 2 ? head_lr : o.learning_rate;
    auto options = std::make_unique<torch::optim::AdamWOptions>(lr);
    options->betas({o.adam_beta1, o.adam_beta2})
        .eps(o.adam_epsilon)
        .weight_decay(i % 2 ? 0.0 : o.weight_decay);
    out.groups.emplace_back(buckets[i], std::move(options));
    out.base_lrs.push_back(lr);
  }
  if (out.groups.empty()) throw Error("nothing to train: the model has no trainable parameters");
  return out;
}

// Drops the gradients instead of zeroing them (PyTorch's zero_grad(set_to_none=True), the
// default since 2.0): the next forward pass then runs without a model-sized block of zeros
// held, which lowers peak memory by up to the size of the trainable parameters.
void release_gradients(const NamedParameters& params) {
  for (auto [name, tensor] : params)  // a Tensor copy shares the parameter and its grad slot
    if (tensor.grad().defined()) tensor.mutable_grad().reset();
}

void set_learning_rates(torch::optim::Optimizer& optimizer, const std::vector<double>& base,
                        double factor) {
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i)
    static_cast<torch::optim::AdamWOptions&>(groups[i].options()).lr(base[i] * factor);
}

// Keeps only log lines up to `step` (after a resume the lines past the checkpoint are
// replayed, so they must not appear twice).
void truncate_log(const fs::path& file, int64_t step) {
  if (!fs::exists(file)) return;
  std::ifstream in(file);
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    try {
      auto json = nlohmann::json::parse(line);
      if (json.value("step", int64_t{0}) <= step) kept << line << "\n";
    } catch (const std::exception&) {
      // A line cut by a crash: drop it.
    }
  }
  in.close();
  std::ofstream(file, std::ios::trunc) << kept.str();
}

class TrainLog {
 public:
  explicit TrainLog(const fs::path& file) : out_(file, std::ios::app) {
    if (!out_) throw IoError("cannot open training log", file.string());
  }
  void write(const nlohmann::json& entry) {
    out_ << entry.dump() << "\n";
    out_.flush();
  }

 private:
  std::ofstream out_;
};

std::string format_number(double value, int precision = 4) {
  std::ostringstream out;
  out.precision(precision);
  out << value;
  return out.str();
}

}  // namespace

Trainer::Trainer(TrainerOptions options, fs::path work_dir, std::string name, uint64_t seed)
    : options_(std::move(options)),
      work_dir_(std::move(work_dir)),
      name_(std::move(name)),
      seed_(seed) {}

TrainingResult Trainer::train(TrainingTask& task, bool resume) {
  const TrainerOptions& o = options_;
  const auto start = std::chrono::steady_clock::now();
  fs::create_directories(work_dir_ / "checkpoints");
  const fs::path last_dir = work_dir_ / "checkpoints" / "last";
  const fs::path best_file = work_dir_ / "checkpoints" / "best_model.pt";
  const fs::path log_file = work_dir_ / "train_log.jsonl";

  NamedParameters params = task.named_parameters();
  ParameterGroups groups = make_groups(params, o);
  torch::optim::AdamW optimizer(groups.groups);
  std::vector<torch::Tensor> trainable;
  for (const auto& [name, t] : params)
    if (t.requires_grad()) trainable.push_back(t);
  const torch::Device device = trainable.front().device();
  const Precision precision =
      parse_precision(o.mixed_precision, "[" + o.section + "] mixed_precision");
  check_precision_supported(precision, device, "[" + o.section + "] mixed_precision");
  LossScaler scaler(precision == Precision::fp16);

  const int64_t n = task.num_examples();
  if (n == 0) throw InputError("no training examples");
  std::vector<int64_t> lengths;
  if (o.group_by_length) {
    lengths.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) lengths.push_back(task.example_length(i));
  }
  const int64_t batches_per_epoch = (n + o.batch_size - 1) / o.batch_size;
  const int64_t steps_per_epoch =
      (batches_per_epoch + o.gradient_accumulation_steps - 1) / o.gradient_accumulation_steps;
  const int64_t total_steps = steps_per_epoch * o.epochs;
  const int64_t warmup = o.warmup_steps >= 0
                             ? o.warmup_steps
                             : static_cast<int64_t>(std::ceil(o.warmup_ratio * total_steps));

  detail::CheckpointState state;
  double best = o.greater_is_better ? -INFINITY : INFINITY;
  int64_t best_step = 0, bad_evaluations = 0;
  nlohmann::json best_evaluation = nlohmann::json::object();
  if (resume && detail::load_checkpoint(last_dir, params, optimizer, state)) {
    best = state.trainer.value("best", best);
    best_step = state.trainer.value("best_step", int64_t{0});
    bad_evaluations = state.trainer.value("bad_evaluations", int64_t{0});
    best_evaluation = state.trainer.value("best_evaluation", best_evaluation);
    scaler.restore(state.trainer.value("loss_scale", scaler.scale()),
                   state.trainer.value("loss_scale_growth_tracker", int64_t{0}));
    log_info(name_, "resuming at step " + std::to_string(state.global_step) + " (epoch " +
                        std::to_string(state.epoch + 1) + ", batch " +
                        std::to_string(state.batch_in_epoch) + ")");
    truncate_log(log_file, state.global_step);
  } else {
    if (resume)
      log_info(name_, "no checkpoint in " + last_dir.string() + ": starting from scratch");
    fs::remove_all(last_dir);
    fs::remove(best_file);
    std::ofstream(log_file, std::ios::trunc);
    torch::manual_seed(seed_);
  }
  TrainLog log(log_file);
  log_info(name_, std::to_string(n) + " examples, " + std::to_string(o.epochs) + " epoch(s), " +
                      std::to_string(total_steps) + " steps of " +
                      std::to_string(o.batch_size * o.gradient_accumulation_steps) +
                      " examples, warm-up " + std::to_string(warmup) +
                      (precision == Precision::fp32
                           ? ""
                           : std::string(", mixed precision ") + precision_name(precision)));

  auto trainer_json = [&] {
    nlohmann::json out = {{"best_step", best_step},
                          {"bad_evaluations", bad_evaluations},
                          {"best_evaluation", best_evaluation}};
    // JSON has no infinity: before the first evaluation there is no best yet.
    if (std::isfinite(best)) out["best"] = best;
    if (scaler.enabled()) {
      out["loss_scale"] = scaler.scale();
      out["loss_scale_growth_tracker"] = scaler.growth_tracker();
    }
    return out;
  };
  bool stop = false;
  auto evaluate = [&](int64_t epoch) {
    task.set_training(false);
    std::map<std::string, double> metrics;
    {
      torch::NoGradGuard no_grad;
      metrics = task.evaluate();
    }
    task.set_training(true);
    auto found = metrics.find(o.metric);
    if (found == metrics.end())
      throw Error("evaluation gave no '" + o.metric + "' metric", "[train] metric");
    const double value = found->second;
    const bool improved = o.greater_is_better ? value > best + o.early_stopping_threshold
                                              : value < best - o.early_stopping_threshold;
    log.write({{"step", state.global_step}, {"epoch", epoch + 1}, {"eval", metrics}});
    std::string summary;
    for (const auto& [k, v] : metrics) summary += " " + k + " " + format_number(v);
    log_info(name_, "eval at step " + std::to_string(state.global_step) + ":" + summary +
                        (improved ? "  (best so far)" : ""));
    if (improved) {
      best = value;
      best_step = state.global_step;
      bad_evaluations = 0;
      best_evaluation = metrics;
      fs::path staged = best_file;
      staged += ".tmp";
      detail::save_model_weights(params, staged);
      fs::rename(staged, best_file);
    } else if (o.early_stopping_patience > 0 && ++bad_evaluations >= o.early_stopping_patience) {
      log_info(name_, "early stopping: no improvement in " + std::to_string(bad_evaluations) +
                          " evaluations");
      stop = true;
    }
  };

  Progress progress(name_, total_steps, "steps");
  task.set_training(true);
  double loss_sum = 0;
  int64_t loss_count = 0, examples_seen = 0;
  auto window_start = std::chrono::steady_clock::now();
  TrainingResult result;
  for (int64_t epoch = state.epoch; epoch < o.epochs && !stop; ++epoch) {
    auto batches =
        epoch_batches(n, o.batch_size, seed_, epoch, o.group_by_length ? &lengths : nullptr);
    int64_t micro = 0;
    for (int64_t b = state.batch_in_epoch; b < static_cast<int64_t>(batches.size()) && !stop; ++b) {
      const auto& batch = batches[static_cast<size_t>(b)];
      const int64_t remaining = static_cast<int64_t>(batches.size()) - (b - micro);
      const int64_t group = std::min(o.gradient_accumulation_steps, remaining);
      torch::Tensor loss;
      {
        // Autocast covers the forward pass only; backward runs in the forward's dtypes.
        AutocastScope autocast(device, precision);
        loss = task.loss(batch).to(torch::kFloat);
      }
      const double loss_value = loss.item<double>();
      // With fp16 an overflow is expected now and then: the scaler skips that step.
      if (!std::isfinite(loss_value) && !scaler.enabled())
        throw Error("training loss is not finite at step " + std::to_string(state.global_step), "",
                    "lower [train] learning_rate or check the data");
      (scaler.scale(loss) / static_cast<double>(group)).backward();
      if (std::isfinite(loss_value)) {
        loss_sum += loss_value;
        ++loss_count;
      }
      examples_seen += static_cast<int64_t>(batch.size());
      if (++micro < group) continue;
      micro = 0;
      // Gradients are unscaled before clipping, so max_grad_norm means the same in fp16.
      const bool finite = !scaler.enabled() || scaler.unscale(trainable);
      if (finite && o.max_grad_norm > 0)
        torch::nn::utils::clip_grad_norm_(trainable, o.max_grad_norm);
      const double factor = linear_schedule(state.global_step, warmup, total_steps);
      set_learning_rates(optimizer, groups.base_lrs, factor);
      if (finite) optimizer.step();
      scaler.update(finite);
      if (!finite)
        log_warn(name_, "step " + std::to_string(state.global_step + 1) +
                            " skipped: fp16 gradients overflowed; loss scale lowered to " +
                            format_number(scaler.scale()));
      release_gradients(params);
      ++state.global_step;
      state.epoch = epoch;
      state.batch_in_epoch = b + 1;
      if (step_observer_) step_observer_(state.global_step);

      if (state.global_step % o.log_every_steps == 0) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
        const double mean_loss = loss_sum / std::max<int64_t>(1, loss_count);
        const double rate = examples_seen / std::max(seconds, 1e-9);
        log.write({{"step", state.global_step},
                   {"epoch", epoch + 1},
                   {"loss", mean_loss},
                   {"lr", groups.base_lrs[0] * factor},
                   {"examples_per_s", rate}});
        progress.update(state.global_step, "loss " + format_number(mean_loss) + " lr " +
                                               format_number(groups.base_lrs[0] * factor, 3) + " " +
                                               format_number(rate, 3) + " ex/s");
        loss_sum = 0;
        loss_count = examples_seen = 0;
        window_start = std::chrono::steady_clock::now();
      }
      bool checkpoint =
          o.checkpoint_every_steps > 0 && state.global_step % o.checkpoint_every_steps == 0;
      if (o.eval_every_steps > 0 && state.global_step % o.eval_every_steps == 0) {
        evaluate(epoch);
        checkpoint = true;
      }
      if (checkpoint) {
        state.trainer = trainer_json();
        detail::save_checkpoint(last_dir, params, optimizer, state);
      }
    }
    if (stop) break;
    state.epoch = epoch + 1;
    state.batch_in_epoch = 0;
    if (o.eval_every_steps == 0) evaluate(epoch);
    result.epochs_completed = epoch + 1;
    state.trainer = trainer_json();
    detail::save_checkpoint(last_dir, params, optimizer, state);
  }
  progress.finish("best " + o.metric + " " + format_number(best) + " at step " +
                  std::to_string(best_step));

  if (fs::exists(best_file)) detail::load_model_weights(params, best_file);
  task.set_training(false);
  result.steps = state.global_step;
  result.epochs_completed = std::max(result.epochs_completed, state.epoch);
  result.best_metric = best;
  result.best_step = best_step;
  result.stopped_early = stop;
  for (const auto& [k, v] : best_evaluation.items()) result.best_evaluation[k] = v.get<double>();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace rubrika
