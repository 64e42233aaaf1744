// `rubrika bench train`: fine-tuning speed and memory — the classifier's real training step
// (bert encoder + linear head through ClassifierTask and the Trainer: forward, loss,
// backward, gradient clipping, AdamW) on fixed-length batches, timed per optimiser step
// after warm-up, with the process's peak resident memory.
#include "bench/bench_support.hpp"
#include "cli_common.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/head.hpp>
#include <rubrika/train/classifier_task.hpp>
#include <rubrika/train/trainer.hpp>

#include <ATen/Parallel.h>

#include <unistd.h>
#include <fstream>
#include <iomanip>
#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {

namespace {

struct TrainBenchSettings {
  int64_t batch = 16, seq = 128, steps = 5, warmup = 1, labels = 50;
  double learning_rate = 2e-5;
};

// "VmHWM" (peak) or "VmRSS" (now) of this process from /proc/self/status, in bytes.
double resident_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) * 1024.0;
  return 0.0;
}

// Texts long enough to be truncated to exactly `seq` tokens, so every batch has one shape.
LabelledTexts fixed_length_texts(int64_t count, int64_t labels, int64_t seq) {
  std::string text;
  for (int64_t words = 0; words < 2 * seq; words += 6)
    text += "Продаю кожаный диван почти даром срочно ";
  LabelledTexts out;
  for (int64_t i = 0; i < count; ++i) {
    out.texts.push_back(text);
    out.labels.push_back(i % labels);
  }
  return out;
}

std::unique_ptr<Head> linear_head(const Encoder& encoder, int64_t labels,
                                  const std::string& device) {
  PluginContext context;
  context.device = resolve_device(device);
  context.input_size = encoder.hidden_size();
  for (int64_t i = 0; i < labels; ++i) context.labels.push_back("label" + std::to_string(i));
  return registry_for(nullptr).create<Head>("linear", context, toml::table{{"features", "pooled"}});
}

TrainerOptions trainer_options(const TrainBenchSettings& b) {
  TrainerOptions o;
  o.epochs = 1;
  o.batch_size = b.batch;
  o.learning_rate = b.learning_rate;
  o.group_by_length = false;
  o.log_every_steps = 1 << 30;  // no progress lines inside the timed steps
  return o;
}

struct TimedSteps {
  BenchClock::time_point start, end;
  double peak_bytes = 0;
};

}  // namespace

int run_bench_train(const std::vector<std::string>& args) {
  EncoderSource source;
  TrainBenchSettings b;
  int64_t threads = 0;
  po::options_description options("bench train options");
  options.add_options()("model", po::value(&source.model), "Hugging Face BERT folder")(
      "shape", po::value(&source.shape),
      "base (12×768, vocab 119547) or tiny (3×312, vocab 83828)")(
      "batch", po::value(&b.batch)->default_value(b.batch), "examples per optimiser step")(
      "seq", po::value(&b.seq)->default_value(b.seq), "tokens per example")(
      "steps", po::value(&b.steps)->default_value(b.steps), "timed optimiser steps")(
      "warmup", po::value(&b.warmup)->default_value(b.warmup), "untimed steps first (at least 1)")(
      "labels", po::value(&b.labels)->default_value(b.labels), "classes of the linear head")(
      "threads", po::value(&threads)->default_value(0), "intra-op threads (0: as configured)")(
      "device", po::value(&source.device)->default_value("cpu"), "auto|cpu|cuda|cuda:N");
  const std::string usage =
      "rubrika bench train (--model DIR | --shape base|tiny) --batch 16 --seq 128 [--steps N] "
      "[--threads N]";
  if (!parse_options(args, usage, options)) return kOk;
  if (source.model.empty() == source.shape.empty())
    throw UsageError("give exactly one of --model or --shape (usage: " + usage + ")");
  if (b.batch < 1 || b.seq < 4 || b.steps < 1 || b.warmup < 1 || b.labels < 2)
    throw UsageError("--batch, --steps, --warmup must be >= 1, --seq >= 4, --labels >= 2");
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  source.max_length = b.seq;

  auto encoder = make_bench_encoder(source);
  auto head = linear_head(*encoder, b.labels, source.device);
  const EncoderArchitecture arch = architecture_of(*encoder);
  const double loaded_bytes = resident_bytes("VmRSS");
  ClassifierTask task(*encoder, *head,
                      fixed_length_texts(b.batch * (b.warmup + b.steps), b.labels, b.seq),
                      fixed_length_texts(2, b.labels, b.seq), {});
  const fs::path scratch =
      fs::temp_directory_path() / ("rubrika_bench_train_" + std::to_string(::getpid()));
  Trainer trainer(trainer_options(b), scratch, "bench", 42);
  TimedSteps timed;
  trainer.on_step([&](int64_t step) {
    if (step == b.warmup) timed.start = BenchClock::now();
    if (step == b.warmup + b.steps) {
      timed.end = BenchClock::now();
      timed.peak_bytes = resident_bytes("VmHWM");
    }
  });
  try {
    trainer.train(task, false);
  } catch (...) {
    fs::remove_all(scratch);
    throw;
  }
  fs::remove_all(scratch);

  const double seconds = std::chrono::duration<double>(timed.end - timed.start).count();
  std::cout << std::fixed << "machine   " << machine_line() << ", device " << source.device << "\n"
            << "model     " << source.describe() << ": " << arch.layers << " layers × "
            << arch.hidden << ", vocab " << arch.vocab << ", " << arch.parameters
            << " parameters + linear head (" << b.labels
            << " labels), fp32, AdamW, full fine-tuning\n"
            << "settings  batch " << b.batch << " × seq " << b.seq << ", " << b.warmup
            << " warm-up + " << b.steps << " timed steps\n"
            << "result    " << std::setprecision(2) << b.batch * b.steps / seconds
            << " examples/s (" << std::setprecision(3) << seconds / b.steps
            << " s per step), peak RSS " << std::setprecision(2) << timed.peak_bytes / 1e9
            << " GB (" << loaded_bytes / 1e9 << " GB after loading the model)\n";
  return kOk;
}

}  // namespace rubrika::cli
