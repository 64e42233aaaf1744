#include <rubrika/train/trainer.hpp>

#include "checkpoint.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/mixed_precision.hpp>
#include <rubrika/progress.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/train/communicator.hpp>

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
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

// One call of Trainer::train: the loop's state, and each step of the loop as a function.
class TrainingRun {
 public:
  TrainingRun(const TrainerOptions& options, const fs::path& work_dir, const std::string& name,
              uint64_t seed, TrainingTask& task, const std::function<void(int64_t)>& observer,
              Communicator* communicator)
      : comm_(communicator != nullptr && communicator->world_size() > 1 ? communicator : nullptr),
        world_(comm_ ? comm_->world_size() : 1),
        o_(options),
        work_(work_dir),
        name_(name),
        seed_(seed),
        task_(task),
        observer_(observer),
        params_(task.named_parameters()),
        groups_(make_groups(params_, o_)),
        optimizer_(groups_.groups),
        precision_(o_.mixed_precision),
        scaler_(precision_ == Precision::fp16),
        best_(o_.greater_is_better ? -INFINITY : INFINITY) {}

  TrainingResult run(bool resume) {
    prepare();
    restore_or_start(resume);
    if (lead()) {
      log_plan();
      progress_ = std::make_unique<Progress>(name_, total_steps_, "steps");
    }
    task_.set_training(true);
    window_start_ = std::chrono::steady_clock::now();
    for (int64_t epoch = state_.epoch; more_epochs(epoch) && !stop_; ++epoch) run_epoch(epoch);
    return finish();
  }

 private:
  // Trainable tensors, device, precision check, example lengths and the step schedule.
  void prepare() {
    fs::create_directories(work_.checkpoints());
    for (const auto& [name, t] : params_)
      if (t.requires_grad()) trainable_.push_back(t);
    device_ = trainable_.front().device();
    check_precision_supported(precision_, device_, "[" + o_.section + "] mixed_precision");
    n_ = task_.num_examples();
    if (n_ == 0) throw InputError("no training examples");
    if (comm_) start_from_rank_0_weights();
    if (o_.group_by_length) {
      lengths_.reserve(static_cast<size_t>(n_));
      for (int64_t i = 0; i < n_; ++i) lengths_.push_back(task_.example_length(i));
    }
    const int64_t batches_per_epoch = (n_ + global_batch() - 1) / global_batch();
    const int64_t steps_per_epoch =
        (batches_per_epoch + o_.gradient_accumulation_steps - 1) / o_.gradient_accumulation_steps;
    total_steps_ = o_.max_steps > 0 ? o_.max_steps : steps_per_epoch * o_.epochs;
    warmup_ = o_.warmup_steps >= 0
                  ? o_.warmup_steps
                  : static_cast<int64_t>(std::ceil(o_.warmup_ratio * total_steps_));
  }

  // With max_steps the steps decide, however many epochs they take.
  bool steps_done() const { return o_.max_steps > 0 && state_.global_step >= o_.max_steps; }
  bool more_epochs(int64_t epoch) const {
    return o_.max_steps > 0 ? !steps_done() : epoch < o_.epochs;
  }

  // Resumes from the last checkpoint, or starts afresh (clearing an older run's files).
  // Every worker reads the checkpoint; only rank 0 changes files, the others wait for it.
  void restore_or_start(bool resume) {
    const bool restored =
        resume && detail::load_checkpoint(work_.last_checkpoint(), params_, optimizer_, state_);
    if (restored) {
      restore_trainer_state();
    } else {
      if (resume && lead())
        log_info(name_, "no checkpoint in " + work_.last_checkpoint().string() +
                            ": starting from scratch");
      if (lead()) {
        fs::remove_all(work_.last_checkpoint());
        fs::remove(work_.best_checkpoint());
        std::ofstream(work_.train_log(), std::ios::trunc);
      }
      torch::manual_seed(seed_);
    }
    if (comm_) {
      check_same_position();
      comm_->barrier();
    }
    if (lead()) log_ = std::make_unique<TrainLog>(work_.train_log());
  }

  void restore_trainer_state() {
    const nlohmann::json& t = state_.trainer;
    const int64_t written_by = t.value("world_size", int64_t{1});
    if (written_by != world_)
      throw InputError(
          "the checkpoint was written by " + std::to_string(written_by) +
              " worker(s) and this run has " + std::to_string(world_) +
              ": its position counts batches of " + std::to_string(written_by) + " x " +
              std::to_string(o_.batch_size) + " examples",
          work_.last_checkpoint().string(),
          "resume with the same number of workers, or train without --resume to start over");
    best_ = t.value("best", best_);
    best_step_ = t.value("best_step", int64_t{0});
    bad_evaluations_ = t.value("bad_evaluations", int64_t{0});
    best_evaluation_ = t.value("best_evaluation", best_evaluation_);
    scaler_.restore(t.value("loss_scale", scaler_.scale()),
                    t.value("loss_scale_growth_tracker", int64_t{0}));
    if (!lead()) return;
    log_info(name_, "resuming at step " + std::to_string(state_.global_step) + " (epoch " +
                        std::to_string(state_.epoch + 1) + ", batch " +
                        std::to_string(state_.batch_in_epoch) + ")");
    truncate_log(work_.train_log(), state_.global_step);
  }

  // Workers that read different checkpoints (no shared run folder) would train apart.
  void check_same_position() {
    at::Tensor step = torch::tensor({static_cast<double>(state_.global_step)}, torch::kDouble);
    at::Tensor rank_0 = step.clone();
    comm_->broadcast(rank_0);
    if (rank_0.item<double>() != step.item<double>())
      throw InputError("this worker resumes at step " + std::to_string(state_.global_step) +
                           " and rank 0 at step " +
                           std::to_string(static_cast<int64_t>(rank_0.item<double>())),
                       work_.last_checkpoint().string(),
                       "every worker must see the same run folder (a shared file system)");
  }

  // Every worker starts from rank 0's weights, as DistributedDataParallel does.
  void start_from_rank_0_weights() {
    torch::NoGradGuard no_grad;
    for (auto& t : trainable_) {
      at::Tensor data = t.detach();
      comm_->broadcast(data);
    }
  }

  void log_plan() const {
    const std::string length =
        o_.max_steps > 0 ? "max_steps" : std::to_string(o_.epochs) + " epoch(s)";
    log_info(name_, std::to_string(n_) + " examples, " + length + ", " +
                        std::to_string(total_steps_) + " steps of " +
                        std::to_string(global_batch() * o_.gradient_accumulation_steps) +
                        " examples" +
                        (comm_ ? " (" + std::to_string(world_) + " workers x " +
                                     std::to_string(o_.batch_size) + ")"
                               : std::string()) +
                        ", warm-up " + std::to_string(warmup_) +
                        (precision_ == Precision::fp32
                             ? ""
                             : std::string(", mixed precision ") + precision_name(precision_)));
  }

  void run_epoch(int64_t epoch) {
    // One worker's batches of B*W examples, so W workers of B each take the same steps.
    const auto batches =
        epoch_batches(n_, global_batch(), seed_, epoch, o_.group_by_length ? &lengths_ : nullptr);
    const auto count = static_cast<int64_t>(batches.size());
    int64_t micro = 0;
    for (int64_t b = state_.batch_in_epoch; b < count && !stop_ && !steps_done(); ++b) {
      // The last accumulation group of an epoch may hold fewer micro-batches.
      const int64_t group = std::min(o_.gradient_accumulation_steps, count - (b - micro));
      forward_backward(batches[static_cast<size_t>(b)], group);
      if (++micro < group) continue;
      micro = 0;
      optimiser_step(epoch, b);
    }
    if (stop_ || steps_done()) return;  // the last step evaluated and saved itself
    state_.epoch = epoch + 1;
    state_.batch_in_epoch = 0;
    if (o_.eval_every_steps == 0) evaluate(epoch);
    result_.epochs_completed = epoch + 1;
    save_checkpoint();
  }

  // One micro-batch: forward (under autocast) and backward of loss / group. With W
  // workers each takes its share of the batch, its loss weighted by share size × W / batch
  // size, so the averaged gradient is the whole batch's mean even when the shares differ.
  void forward_backward(const std::vector<int64_t>& batch, int64_t group) {
    const std::vector<int64_t> share = comm_ ? share_of(batch) : batch;
    if (share.empty()) return;  // a short last batch: the all-reduce still counts this worker
    torch::Tensor loss;
    {
      // Autocast covers the forward pass only; backward runs in the forward's dtypes.
      AutocastScope autocast(device_, precision_);
      loss = task_.loss(share).to(torch::kFloat);
    }
    const double value = loss.item<double>();
    // With fp16 an overflow is expected now and then: the scaler skips that step.
    if (!std::isfinite(value) && !scaler_.enabled())
      throw Error("training loss is not finite at step " + std::to_string(state_.global_step), "",
                  "lower [train] learning_rate or check the data");
    if (comm_)
      loss =
          loss * (static_cast<double>(share.size() * world_) / static_cast<double>(batch.size()));
    (scaler_.scale(loss) / static_cast<double>(group)).backward();
    if (std::isfinite(value)) {
      loss_sum_ += value;
      ++loss_count_;
    }
    examples_seen_ += static_cast<int64_t>(share.size());
  }

  // This worker's contiguous share of a batch: B examples of B*W (fewer in a short batch).
  std::vector<int64_t> share_of(const std::vector<int64_t>& batch) const {
    const auto size = static_cast<int64_t>(batch.size());
    const int64_t per = (size + world_ - 1) / world_;
    const int64_t begin = std::min(size, per * comm_->rank());
    const int64_t end = std::min(size, begin + per);
    return {batch.begin() + begin, batch.begin() + end};
  }

  // Sums the workers' gradients into their mean (one bucket, after the backward passes).
  void average_gradients() {
    const auto started = std::chrono::steady_clock::now();
    std::vector<at::Tensor> grads;
    grads.reserve(trainable_.size());
    for (auto& t : trainable_) {
      if (!t.grad().defined()) t.mutable_grad() = torch::zeros_like(t);
      grads.push_back(t.grad());
    }
    comm_->average(grads);
    reduce_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  // Unscale, clip, schedule, step; then the step's log line, evaluation and checkpoint.
  void optimiser_step(int64_t epoch, int64_t batch_index) {
    if (comm_) average_gradients();  // before unscaling and clipping: every worker then agrees
    // Gradients are unscaled before clipping, so max_grad_norm means the same in fp16.
    const bool finite = !scaler_.enabled() || scaler_.unscale(trainable_);
    if (finite && o_.max_grad_norm > 0)
      torch::nn::utils::clip_grad_norm_(trainable_, o_.max_grad_norm);
    const double factor = linear_schedule(state_.global_step, warmup_, total_steps_);
    set_learning_rates(optimizer_, groups_.base_lrs, factor);
    if (finite) optimizer_.step();
    scaler_.update(finite);
    if (!finite)
      log_warn(name_, "step " + std::to_string(state_.global_step + 1) +
                          " skipped: fp16 gradients overflowed; loss scale lowered to " +
                          format_number(scaler_.scale()));
    release_gradients(params_);
    ++state_.global_step;
    state_.epoch = epoch;
    state_.batch_in_epoch = batch_index + 1;
    if (observer_) observer_(state_.global_step);
    if (state_.global_step % o_.log_every_steps == 0) log_window(epoch, factor);
    bool checkpoint =
        o_.checkpoint_every_steps > 0 && state_.global_step % o_.checkpoint_every_steps == 0;
    const bool last_step = o_.max_steps > 0 && state_.global_step == o_.max_steps;
    if ((o_.eval_every_steps > 0 && state_.global_step % o_.eval_every_steps == 0) || last_step) {
      evaluate(epoch);
      checkpoint = true;
    }
    if (checkpoint) save_checkpoint();
  }

  // The mean loss and throughput since the last log line: train_log.jsonl and progress.
  // With several workers: the workers' mean loss, all their examples, the all-reduce time.
  void log_window(int64_t epoch, double factor) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start_).count();
    double mean_loss = loss_sum_ / std::max<int64_t>(1, loss_count_);
    double examples = static_cast<double>(examples_seen_);
    if (comm_) {
      std::vector<at::Tensor> figures{torch::tensor({mean_loss, examples}, torch::kDouble)};
      comm_->average(figures);
      mean_loss = figures[0][0].item<double>();
      examples = figures[0][1].item<double>() * world_;
    }
    const double rate = examples / std::max(seconds, 1e-9);
    const double lr = groups_.base_lrs[0] * factor;
    if (lead()) {
      nlohmann::json line = {{"step", state_.global_step},
                             {"epoch", epoch + 1},
                             {"loss", mean_loss},
                             {"lr", lr},
                             {"examples_per_s", rate}};
      if (comm_) line["allreduce_ms_per_step"] = 1e3 * reduce_seconds_ / o_.log_every_steps;
      log_->write(line);
      progress_->update(state_.global_step, "loss " + format_number(mean_loss) + " lr " +
                                                format_number(lr, 3) + " " +
                                                format_number(rate, 3) + " ex/s");
    }
    loss_sum_ = 0;
    reduce_seconds_ = 0;
    loss_count_ = examples_seen_ = 0;
    window_start_ = std::chrono::steady_clock::now();
  }

  // Rank 0 evaluates; the others take its verdict (improved, stop, value).
  void evaluate(int64_t epoch) {
    at::Tensor verdict = torch::zeros({3}, torch::kDouble);
    if (lead()) verdict = evaluate_here(epoch);
    if (!comm_) return;
    comm_->broadcast(verdict);
    if (lead()) return;
    if (verdict[0].item<double>() != 0) {
      best_ = verdict[2].item<double>();
      best_step_ = state_.global_step;
    }
    stop_ = verdict[1].item<double>() != 0;
  }

  at::Tensor evaluate_here(int64_t epoch) {
    task_.set_training(false);
    std::map<std::string, double> metrics;
    {
      torch::NoGradGuard no_grad;
      metrics = task_.evaluate();
    }
    task_.set_training(true);
    auto found = metrics.find(o_.metric_name());
    if (found == metrics.end())
      throw Error("evaluation gave no '" + std::string(o_.metric_name()) + "' metric",
                  "[" + o_.section + "] metric");
    const double value = found->second;
    const bool improved = o_.greater_is_better ? value > best_ + o_.early_stopping_threshold
                                               : value < best_ - o_.early_stopping_threshold;
    log_->write({{"step", state_.global_step}, {"epoch", epoch + 1}, {"eval", metrics}});
    std::string summary;
    for (const auto& [k, v] : metrics) summary += " " + k + " " + format_number(v);
    log_info(name_, "eval at step " + std::to_string(state_.global_step) + ":" + summary +
                        (improved ? "  (best so far)" : ""));
    if (improved) {
      keep_best(value, metrics);
    } else if (o_.early_stopping_patience > 0 && ++bad_evaluations_ >= o_.early_stopping_patience) {
      log_info(name_, "early stopping: no improvement in " + std::to_string(bad_evaluations_) +
                          " evaluations");
      stop_ = true;
    }
    return torch::tensor({improved ? 1.0 : 0.0, stop_ ? 1.0 : 0.0, value}, torch::kDouble);
  }

  // Records a new best evaluation and writes its weights (temporary file, then rename).
  void keep_best(double value, const std::map<std::string, double>& metrics) {
    best_ = value;
    best_step_ = state_.global_step;
    bad_evaluations_ = 0;
    best_evaluation_ = metrics;
    fs::path staged = work_.best_checkpoint();
    staged += ".tmp";
    detail::save_model_weights(params_, staged);
    fs::rename(staged, work_.best_checkpoint());
  }

  void save_checkpoint() {
    nlohmann::json t = {{"best_step", best_step_},
                        {"bad_evaluations", bad_evaluations_},
                        {"best_evaluation", best_evaluation_}};
    // JSON has no infinity: before the first evaluation there is no best yet.
    if (std::isfinite(best_)) t["best"] = best_;
    if (world_ > 1) t["world_size"] = world_;
    if (scaler_.enabled()) {
      t["loss_scale"] = scaler_.scale();
      t["loss_scale_growth_tracker"] = scaler_.growth_tracker();
    }
    state_.trainer = std::move(t);
    if (lead()) detail::save_checkpoint(work_.last_checkpoint(), params_, optimizer_, state_);
    if (comm_) comm_->barrier();  // the others go on once the checkpoint is complete
  }

  // Loads the best weights back and summarises the run.
  TrainingResult finish() {
    if (lead())
      progress_->finish("best " + std::string(o_.metric_name()) + " " + format_number(best_) +
                        " at step " + std::to_string(best_step_));
    if (comm_) comm_->barrier();  // rank 0 has written the best weights
    if (fs::exists(work_.best_checkpoint()))
      detail::load_model_weights(params_, work_.best_checkpoint());
    task_.set_training(false);
    TrainingResult result = result_;
    result.steps = state_.global_step;
    result.epochs_completed = std::max(result.epochs_completed, state_.epoch);
    result.best_metric = best_;
    result.best_step = best_step_;
    result.stopped_early = stop_;
    for (const auto& [k, v] : best_evaluation_.items()) result.best_evaluation[k] = v.get<double>();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return result;
  }

  // Rank 0 (or the only worker) evaluates, logs and writes files.
  bool lead() const { return comm_ == nullptr || comm_->rank() == 0; }
  int64_t global_batch() const { return o_.batch_size * world_; }

  Communicator* const comm_;  // null with one worker
  const int64_t world_;
  const TrainerOptions& o_;
  const RunLayout work_;
  const std::string& name_;
  const uint64_t seed_;
  TrainingTask& task_;
  const std::function<void(int64_t)>& observer_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();

  NamedParameters params_;
  ParameterGroups groups_;
  torch::optim::AdamW optimizer_;
  std::vector<torch::Tensor> trainable_;
  torch::Device device_ = torch::kCPU;
  Precision precision_;
  LossScaler scaler_;

  int64_t n_ = 0;
  std::vector<int64_t> lengths_;
  int64_t total_steps_ = 0;
  int64_t warmup_ = 0;

  detail::CheckpointState state_;
  double best_;
  int64_t best_step_ = 0;
  int64_t bad_evaluations_ = 0;
  nlohmann::json best_evaluation_ = nlohmann::json::object();
  bool stop_ = false;
  TrainingResult result_;

  std::unique_ptr<TrainLog> log_;
  std::unique_ptr<Progress> progress_;
  double loss_sum_ = 0;
  int64_t loss_count_ = 0;
  int64_t examples_seen_ = 0;
  double reduce_seconds_ = 0;  // all-reduce time since the last log line
  std::chrono::steady_clock::time_point window_start_;
};

}  // namespace

Trainer::Trainer(TrainerOptions options, fs::path work_dir, std::string name, uint64_t seed)
    : options_(std::move(options)),
      work_dir_(std::move(work_dir)),
      name_(std::move(name)),
      seed_(seed) {}

TrainingResult Trainer::train(TrainingTask& task, bool resume) {
  return TrainingRun(options_, work_dir_, name_, seed_, task, step_observer_, communicator_)
      .run(resume);
}

}  // namespace rubrika
