// `rubrika bench encoder`: throughput of the bert encoder on fixed-shape batches against this
// machine's measured fp32 GEMM peak, or (--texts) on real texts of varied length, comparing
// padding to max_length with dynamic and length-bucketed padding. --profile adds the self time
// of every libtorch op the forward pass dispatches, grouped by what it does.
#include "bench/bench_support.hpp"
#include "bench/padding_bench.hpp"
#include "cli_common.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/pipeline.hpp>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace rubrika::cli {

namespace {

struct FixedShapeRun {
  int64_t batch = 32, seq = 128, iterations = 3, warmup = 1;
  bool profile = false;
};

// Self time (own time less that of the ops it calls) of the ops dispatched on this thread,
// through RecordFunction callbacks. Kernels' intra-op threads dispatch nothing, so their work
// counts towards the op that started them.
namespace op_timer {

struct Frame {
  std::string op;
  BenchClock::time_point start;
  double children = 0;
};
struct OpTime {
  double self = 0, calls = 0;
};
thread_local std::vector<Frame> open_ops;
thread_local std::map<std::string, OpTime> times;
thread_local double in_ops = 0;

// "aten::add 4-D": the rank of the first tensor argument tells attention ops from the rest.
std::string op_key(const at::RecordFunction& fn) {
  for (const auto& input : fn.inputs())
    if (input.isTensor())
      return std::string(fn.name()) + " " + std::to_string(input.toTensor().dim()) + "-D";
  return fn.name();
}

std::unique_ptr<at::ObserverContext> enter(const at::RecordFunction& fn) {
  open_ops.push_back({op_key(fn), BenchClock::now(), 0});
  return nullptr;
}

void leave(const at::RecordFunction&, at::ObserverContext*) {
  const Frame frame = std::move(open_ops.back());
  open_ops.pop_back();
  const double total = seconds_since(frame.start);
  OpTime& t = times[frame.op];
  t.self += total - frame.children;
  t.calls += 1;
  (open_ops.empty() ? in_ops : open_ops.back().children) += total;
}

// The breakdown issue 17 asks for, from an op's name and rank.
std::string category(const std::string& key) {
  auto op = [&](const char* name) {
    return key.rfind(name, 0) == 0 && key[std::strlen(name)] <= ' ';
  };
  auto rank4 = key.size() > 3 && key.compare(key.size() - 3, 3, "4-D") == 0;
  if (op("aten::addmm") || op("aten::mm") || op("aten::_addmm_activation"))
    return "GEMM: linear layers (fused bias/GELU included)";
  if (op("aten::bmm") || op("aten::baddbmm") || op("rubrika::bert_attention"))
    return "GEMM: attention scores + context";
  if (op("aten::_softmax") || op("aten::_masked_softmax")) return "attention softmax";
  if (rank4 && (op("aten::add") || op("aten::div") || op("aten::mul") || op("aten::add_")))
    return "attention scale + mask";
  if (op("aten::where") || op("aten::ne") || op("aten::eq") || op("aten::lt") ||
      op("aten::equal") || op("aten::sum") || op("aten::min") || op("aten::arange"))
    return "mask building";
  if (op("aten::native_layer_norm")) return "LayerNorm";
  if (op("aten::gelu") || op("aten::gelu_") || op("aten::relu") || op("aten::silu"))
    return "GELU (separate pass)";
  if (op("aten::add") || op("aten::add_")) return "residual / embedding adds";
  if (op("aten::copy_") || op("aten::clone") || op("aten::cat") || op("aten::contiguous"))
    return "copies (permute/contiguous, bias broadcast, cat)";
  if (op("aten::embedding") || op("aten::index_select")) return "embedding lookups";
  if (op("aten::tanh")) return "pooler tanh";
  if (op("aten::empty") || op("aten::empty_strided") || op("aten::zeros") || op("aten::full") ||
      op("aten::ones") || op("aten::from_blob"))
    return "allocation";
  return "views, selects and other dispatch-only ops";
}

void report(double wall, int64_t batches, std::ostream& out) {
  std::map<std::string, OpTime> groups;
  std::vector<std::pair<double, std::string>> top;
  double calls = 0;
  for (const auto& [key, t] : times) {
    OpTime& g = groups[category(key)];
    g.self += t.self;
    g.calls += t.calls;
    calls += t.calls;
    top.emplace_back(t.self, key);
  }
  groups["outside ops (module code between dispatches)"] = {wall - in_ops, 0};
  std::vector<std::pair<double, std::string>> rows;
  for (const auto& [name, g] : groups) rows.emplace_back(g.self, name);
  std::sort(rows.rbegin(), rows.rend());
  out << std::fixed << std::setprecision(2) << "profile   " << 1e3 * wall / batches
      << " ms per batch with the op timer on (it adds time per call), " << std::setprecision(0)
      << calls / batches << " dispatched ops per batch\n";
  for (const auto& [self, name] : rows)
    out << "  " << std::left << std::setw(52) << name << std::right << std::setprecision(2)
        << std::setw(9) << 1e3 * self / batches << " ms " << std::setprecision(1) << std::setw(6)
        << 100 * self / wall << "% " << std::setprecision(0) << std::setw(7)
        << groups[name].calls / batches << " calls\n";
  std::sort(top.rbegin(), top.rend());
  out << "  top ops:";
  for (size_t i = 0; i < std::min<size_t>(8, top.size()); ++i)
    out << (i ? ", " : " ") << top[i].second << " " << std::setprecision(2)
        << 1e3 * top[i].first / batches << " ms";
  out << "\n";
}

}  // namespace op_timer

void profile_forward(Encoder& encoder, const TokenBatch& input, int64_t iterations) {
  auto handle =
      at::addThreadLocalCallback(at::RecordFunctionCallback(op_timer::enter, op_timer::leave)
                                     .needsInputs(true)
                                     .scopes({at::RecordScope::FUNCTION}));
  const auto start = BenchClock::now();
  for (int64_t i = 0; i < iterations; ++i) (void)encoder.forward(input).pooled.sum().item<float>();
  const double wall = seconds_since(start);
  at::removeCallback(handle);
  op_timer::report(wall, iterations, std::cout);
}

TokenBatch random_batch(int64_t batch, int64_t seq, int64_t vocab) {
  TokenBatch input;
  input.input_ids = at::randint(1000, std::max<int64_t>(1001, vocab), {batch, seq}, at::kLong);
  input.input_ids.select(1, 0).fill_(101);
  input.attention_mask = at::ones({batch, seq}, at::kLong);
  input.token_type_ids = at::zeros({batch, seq}, at::kLong);
  return input;
}

void run_fixed_shape(Encoder& encoder, const EncoderArchitecture& arch, const FixedShapeRun& run,
                     bool on_cpu) {
  const TokenBatch input = random_batch(run.batch, run.seq, arch.vocab);
  c10::InferenceMode guard;
  for (int64_t i = 0; i < run.warmup; ++i) encoder.forward(input);
  const auto start = BenchClock::now();
  for (int64_t i = 0; i < run.iterations; ++i)
    (void)encoder.forward(input).pooled.sum().item<float>();  // waits for the device
  const double elapsed = seconds_since(start);
  const double sequences = static_cast<double>(run.batch * run.iterations) / elapsed;
  const double gflops = sequences * run.seq * arch.flops_per_token(run.seq) / 1e9;
  const double peak = on_cpu ? gemm_gflops(1024, 1.0) : 0.0;

  std::cout << std::fixed << std::setprecision(2) << "result    " << sequences << " sequences/s, "
            << sequences * run.seq << " tokens/s, " << std::setprecision(1) << gflops << " GFLOP/s";
  if (peak > 0)
    std::cout << " = " << std::setprecision(0) << 100.0 * gflops / peak
              << "% of measured fp32 GEMM peak " << std::setprecision(1) << peak << " GFLOP/s";
  std::cout << " (" << std::setprecision(3) << elapsed / run.iterations << " s per batch)\n";
  if (run.profile) profile_forward(encoder, input, run.iterations);
}

}  // namespace

int run_bench_encoder(const std::vector<std::string>& args) {
  EncoderSource source;
  FixedShapeRun run;
  std::string texts_file, columns = "title,description", normalize_run;
  int64_t threads = 0, limit = 1024;
  po::options_description options("bench encoder options");
  options.add_options()("model", po::value(&source.model), "Hugging Face BERT folder")(
      "shape", po::value(&source.shape),
      "base (12×768, vocab 119547) or tiny (3×312, vocab 83828)")(
      "vocab", po::value(&source.vocab),
      "with --shape: a real vocab.txt instead of a synthetic one")(
      "batch", po::value(&run.batch)->default_value(32), "sequences per batch")(
      "seq", po::value(&run.seq)->default_value(128),
      "tokens per sequence (fixed shape), or max_length with --texts")(
      "dtype", po::value(&source.dtype)->default_value("fp32"), "fp32 or bf16")(
      "threads", po::value(&threads)->default_value(0), "intra-op threads (0: as configured)")(
      "iterations", po::value(&run.iterations)->default_value(3), "timed batches")(
      "warmup", po::value(&run.warmup)->default_value(1), "untimed batches first")(
      "profile", po::bool_switch(&run.profile),
      "then as many batches again with per-op self times, grouped (fixed shape only)")(
      "device", po::value(&source.device)->default_value("cpu"), "auto|cpu|cuda|cuda:N")(
      "texts", po::value(&texts_file),
      "real texts (.csv, .jsonl, or one per line): compare padding strategies")(
      "columns", po::value(&columns)->default_value(columns),
      "with a .csv/.jsonl --texts: fields joined into a text")(
      "limit", po::value(&limit)->default_value(limit), "with --texts: at most this many texts")(
      "normalize-with", po::value(&normalize_run),
      "with --texts: clean them with this run folder's normaliser, as serving does");
  const std::string usage =
      "rubrika bench encoder (--model DIR | --shape base|tiny [--vocab FILE]) --batch B --seq L "
      "[--dtype fp32|bf16] [--threads N] [--profile] [--texts FILE [--columns a,b] [--limit N]]";
  auto values = parse_options(args, usage, options);
  if (!values) return kOk;
  if (source.model.empty() == source.shape.empty())
    throw UsageError("give exactly one of --model or --shape (usage: " + usage + ")");
  if (source.dtype != "fp32" && source.dtype != "bf16")
    throw UsageError("--dtype must be fp32 or bf16");
  if (run.batch < 1 || run.seq < 2 || run.iterations < 1 || limit < 1)
    throw UsageError("--batch, --seq, --iterations, --limit must be positive");
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  source.max_length = run.seq;

  auto encoder = make_bench_encoder(source);
  const EncoderArchitecture arch = architecture_of(*encoder);
  std::cout << "machine   " << machine_line() << ", device " << source.device << "\n"
            << "model     " << source.describe() << ": " << arch.layers << " layers × "
            << arch.hidden << ", intermediate " << arch.intermediate << ", vocab " << arch.vocab
            << ", " << arch.parameters << " parameters, " << source.dtype << "\n";
  if (!texts_file.empty()) {
    auto texts = read_bench_texts(texts_file, split_commas(columns), static_cast<size_t>(limit));
    if (!normalize_run.empty()) {
      // Serving cleans texts first (phone numbers and URLs masked, case folded), which changes
      // their token counts; compare like with like.
      auto pipeline = Pipeline::load(normalize_run, registry_for(nullptr), "cpu");
      for (auto& text : texts) text = pipeline->normalize(text);
    }
    run_padding_bench(*encoder, texts, run.batch, std::cout);
    return kOk;
  }
  std::cout << "settings  batch " << run.batch << " × seq " << run.seq << ", " << run.warmup
            << " warm-up + " << run.iterations << " timed batches\n";
  run_fixed_shape(*encoder, arch, run, resolve_device(source.device).is_cpu());
  return kOk;
}

}  // namespace rubrika::cli
