// `rubrika bench encoder`: throughput of the bert encoder on fixed-shape batches, against
// this machine's measured fp32 GEMM peak.
//
// FLOPs per token (multiply-adds × 2): per layer 4·H² (Q, K, V, output projections),
// 2·H·I (feed-forward) and 2·S·H (attention scores and context), for L layers.
#include "cli_common.hpp"

#include <rubrika/device.hpp>
#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/runtime.hpp>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Shape {
  int64_t vocab, hidden, layers, heads, intermediate;
};

Shape shape_named(const std::string& name) {
  if (name == "base") return {119547, 768, 12, 12, 3072};  // rubert-base-cased, mBERT
  if (name == "tiny") return {83828, 312, 3, 12, 600};     // rubert-tiny2
  throw UsageError("--shape must be base or tiny, got '" + name + "'");
}

// A synthetic vocab.txt (specials at the usual ids) so a shape can be built without files.
fs::path write_vocab(int64_t size) {
  const fs::path dir = fs::temp_directory_path() / ("rubrika_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream out(dir / "vocab.txt");
  for (int64_t i = 0; i < size; ++i) {
    if (i == 0) out << "[PAD]\n";
    else if (i == 100) out << "[UNK]\n";
    else if (i == 101) out << "[CLS]\n";
    else if (i == 102) out << "[SEP]\n";
    else if (i == 103) out << "[MASK]\n";
    else out << "tok" << i << "\n";
  }
  return dir / "vocab.txt";
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double gemm_gflops(int64_t n, double budget) {
  at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::mm(a, b);
  int64_t calls = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < budget || calls < 2) {
    at::mm(a, b);
    ++calls;
  }
  return 2.0 * n * n * n * calls / seconds_since(start) / 1e9;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace

int run_bench_encoder(const std::vector<std::string>& args) {
  std::string model, shape_name, dtype = "fp32", device = "cpu";
  int64_t batch = 32, seq = 128, threads = 0, iterations = 3, warmup = 1;
  po::options_description options("bench encoder options");
  options.add_options()("model", po::value(&model), "Hugging Face BERT folder")(
      "shape", po::value(&shape_name), "base (12×768, vocab 119547) or tiny (3×312, vocab 83828)")(
      "batch", po::value(&batch)->default_value(32), "sequences per batch")(
      "seq", po::value(&seq)->default_value(128), "tokens per sequence (no padding)")(
      "dtype", po::value(&dtype)->default_value("fp32"), "fp32 or bf16")(
      "threads", po::value(&threads)->default_value(0), "intra-op threads (0: as configured)")(
      "iterations", po::value(&iterations)->default_value(3), "timed batches")(
      "warmup", po::value(&warmup)->default_value(1), "untimed batches first")(
      "device", po::value(&device)->default_value("cpu"), "auto|cpu|cuda|cuda:N");
  const std::string usage =
      "rubrika bench encoder (--model DIR | --shape base|tiny) --batch B --seq L "
      "[--dtype fp32|bf16] [--threads N]";
  auto values = parse_options(args, usage, options);
  if (!values) return kOk;
  if (model.empty() == shape_name.empty())
    throw UsageError("give exactly one of --model or --shape (usage: " + usage + ")");
  if (dtype != "fp32" && dtype != "bf16") throw UsageError("--dtype must be fp32 or bf16");
  if (batch < 1 || seq < 2 || iterations < 1) throw UsageError("--batch, --seq, --iterations must be positive");
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));

  PluginContext context;
  context.device = resolve_device(device);
  toml::table table{{"dtype", dtype}, {"max_length", seq}};
  fs::path vocab;
  if (!model.empty()) {
    table.insert("model", fs::absolute(model).string());
  } else {
    const Shape s = shape_named(shape_name);
    vocab = write_vocab(s.vocab);
    table.insert("init", toml::table{{"vocab", vocab.string()},
                                     {"hidden_size", s.hidden},
                                     {"num_hidden_layers", s.layers},
                                     {"num_attention_heads", s.heads},
                                     {"intermediate_size", s.intermediate},
                                     {"max_position_embeddings", std::max<int64_t>(512, seq)}});
  }
  auto encoder = registry_for(nullptr).create<Encoder>("bert", context, table);
  if (!vocab.empty()) fs::remove_all(vocab.parent_path());

  // Architecture from the parameters: hidden H, layers L, intermediate I.
  int64_t hidden = encoder->hidden_size(), layers = 0, intermediate = 0, vocab_size = 0, params = 0;
  for (const auto& [name, t] : encoder->named_parameters()) {
    params += t.numel();
    if (name == "embeddings.word_embeddings.weight") vocab_size = t.size(0);
    if (name.find("intermediate.dense.weight") != std::string::npos) {
      ++layers;
      intermediate = t.size(0);
    }
  }
  const double flops_per_token =
      2.0 * layers * (4.0 * hidden * hidden + 2.0 * hidden * intermediate + 2.0 * seq * hidden);

  TokenBatch input;
  input.input_ids = at::randint(1000, std::max<int64_t>(1001, vocab_size), {batch, seq}, at::kLong);
  input.input_ids.select(1, 0).fill_(101);
  input.attention_mask = at::ones({batch, seq}, at::kLong);
  input.token_type_ids = at::zeros({batch, seq}, at::kLong);

  std::cout << "machine   " << cpu_model() << ", " << at::get_num_threads() << " threads, libtorch "
            << TORCH_VERSION << ", device " << context.device << "\n"
            << "model     " << (model.empty() ? "shape " + shape_name : model) << ": " << layers
            << " layers × " << hidden << ", intermediate " << intermediate << ", vocab "
            << vocab_size << ", " << params << " parameters\n"
            << "settings  batch " << batch << " × seq " << seq << ", " << dtype << ", "
            << warmup << " warm-up + " << iterations << " timed batches\n";

  c10::InferenceMode guard;
  for (int64_t i = 0; i < warmup; ++i) encoder->forward(input);
  const auto start = Clock::now();
  for (int64_t i = 0; i < iterations; ++i) {
    EncoderOutput out = encoder->forward(input);
    (void)out.pooled.sum().item<float>();  // waits for the device
  }
  const double elapsed = seconds_since(start);
  const double sequences = static_cast<double>(batch * iterations) / elapsed;
  const double gflops = sequences * seq * flops_per_token / 1e9;
  const double peak = context.device.is_cpu() ? gemm_gflops(1024, 1.0) : 0.0;

  std::cout << std::fixed << std::setprecision(2) << "result    " << sequences << " sequences/s, "
            << sequences * seq << " tokens/s, " << std::setprecision(1) << gflops << " GFLOP/s";
  if (peak > 0)
    std::cout << " = " << std::setprecision(0) << 100.0 * gflops / peak
              << "% of measured fp32 GEMM peak " << std::setprecision(1) << peak << " GFLOP/s";
  std::cout << " (" << std::setprecision(3) << elapsed / iterations << " s per batch)\n";
  return kOk;
}

}  // namespace rubrika::cli
