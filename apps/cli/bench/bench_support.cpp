#include "bench_support.hpp"

#include "../cli_common.hpp"

#include <rubrika/device.hpp>
#include <rubrika/runtime.hpp>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <unistd.h>
#include <fstream>

namespace fs = std::filesystem;

namespace rubrika::cli {

BertShape bert_shape_named(const std::string& name) {
  if (name == "base") return {119547, 768, 12, 12, 3072};  // rubert-base-cased, mBERT
  if (name == "tiny") return {83828, 312, 3, 12, 600};     // rubert-tiny2
  throw UsageError("--shape must be base or tiny, got '" + name + "'");
}

namespace {

// A synthetic vocab.txt (specials at mBERT's ids) so a shape can be built without files.
fs::path write_synthetic_vocab(const fs::path& dir, int64_t size) {
  std::ofstream out(dir / "vocab.txt");
  for (int64_t i = 0; i < size; ++i) {
    if (i == 0)
      out << "[PAD]\n";
    else if (i == 100)
      out << "[UNK]\n";
    else if (i == 101)
      out << "[CLS]\n";
    else if (i == 102)
      out << "[SEP]\n";
    else if (i == 103)
      out << "[MASK]\n";
    else
      out << "tok" << i << "\n";
  }
  return dir / "vocab.txt";
}

toml::table init_table(const BertShape& shape, const fs::path& vocab, int64_t max_length) {
  return toml::table{{"vocab", vocab.string()},
                     {"hidden_size", shape.hidden},
                     {"num_hidden_layers", shape.layers},
                     {"num_attention_heads", shape.heads},
                     {"intermediate_size", shape.intermediate},
                     {"max_position_embeddings", std::max<int64_t>(512, max_length)}};
}

}  // namespace

std::unique_ptr<Encoder> make_bench_encoder(const EncoderSource& source) {
  PluginContext context;
  context.device = resolve_device(source.device);
  toml::table table{{"dtype", source.dtype}, {"max_length", source.max_length}};
  if (!source.model.empty()) {
    table.insert("model", fs::absolute(source.model).string());
    return registry_for(nullptr).create<Encoder>("bert", context, table);
  }
  const BertShape shape = bert_shape_named(source.shape);
  const fs::path scratch =
      fs::temp_directory_path() / ("rubrika_bench_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const fs::path vocab = source.vocab.empty() ? write_synthetic_vocab(scratch, shape.vocab)
                                              : fs::absolute(source.vocab);
  table.insert("init", init_table(shape, vocab, source.max_length));
  try {
    auto encoder = registry_for(nullptr).create<Encoder>("bert", context, table);
    fs::remove_all(scratch);
    return encoder;
  } catch (...) {
    fs::remove_all(scratch);
    throw;
  }
}

double EncoderArchitecture::flops_per_token(int64_t seq) const {
  return 2.0 * layers * (4.0 * hidden * hidden + 2.0 * hidden * intermediate + 2.0 * seq * hidden);
}

EncoderArchitecture architecture_of(Encoder& encoder) {
  EncoderArchitecture a;
  a.hidden = encoder.hidden_size();
  for (const auto& [name, t] : encoder.named_parameters()) {
    a.parameters += t.numel();
    if (name == "embeddings.word_embeddings.weight") a.vocab = t.size(0);
    if (name.find("intermediate.dense.weight") != std::string::npos) {
      ++a.layers;
      a.intermediate = t.size(0);
    }
  }
  return a;
}

double seconds_since(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

double gemm_gflops(int64_t n, double budget) {
  at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::mm(a, b);
  int64_t calls = 0;
  const auto start = BenchClock::now();
  while (seconds_since(start) < budget || calls < 2) {
    at::mm(a, b);
    ++calls;
  }
  return 2.0 * n * n * n * calls / seconds_since(start) / 1e9;
}

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace

std::string machine_line() {
  const BlasInfo blas = detect_blas();
  return cpu_model() + ", " + std::to_string(at::get_num_threads()) + " threads, libtorch " +
         TORCH_VERSION + ", " + (blas.is_openblas ? "OpenBLAS core " + blas.core : "not OpenBLAS");
}

}  // namespace rubrika::cli
