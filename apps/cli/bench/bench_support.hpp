// What the `rubrika bench ...` commands share: model shapes named like the checkpoints users
// bring, building a bert encoder from a shape or a folder, the machine line every figure is
// printed with, and this CPU's measured fp32 GEMM peak to compare against.
#pragma once

#include <rubrika/encoder.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace rubrika::cli {

using BenchClock = std::chrono::steady_clock;

// Architecture of a BERT without its weights.
struct BertShape {
  int64_t vocab, hidden, layers, heads, intermediate;
};

// `base` = rubert-base-cased / mBERT, `tiny` = rubert-tiny2. Throws UsageError otherwise.
BertShape bert_shape_named(const std::string& name);

// How to get an encoder: a Hugging Face folder, or a named shape with random weights
// (a synthetic vocabulary unless `vocab` names a real vocab.txt, whose size then wins).
struct EncoderSource {
  std::filesystem::path model;
  std::string shape;
  std::filesystem::path vocab;
  std::string dtype = "fp32";
  std::string device = "cpu";
  int64_t max_length = 128;

  std::string describe() const { return model.empty() ? "shape " + shape : model.string(); }
};

std::unique_ptr<Encoder> make_bench_encoder(const EncoderSource& source);

// Layers and intermediate width read from the parameters, for FLOP counts.
struct EncoderArchitecture {
  int64_t hidden = 0, layers = 0, intermediate = 0, vocab = 0, parameters = 0;

  // Multiply-adds × 2 per token at sequence length `seq`: per layer 4·H² (Q, K, V, output
  // projections), 2·H·I (feed-forward) and 2·S·H (attention scores and context).
  double flops_per_token(int64_t seq) const;
};
EncoderArchitecture architecture_of(Encoder& encoder);

double seconds_since(BenchClock::time_point start);
// fp32 GEMM throughput of an n×n matmul, measured for about `budget` seconds.
double gemm_gflops(int64_t n, double budget);
// "AMD EPYC, 2 threads, libtorch 1.13.0, OpenBLAS core Zen"
std::string machine_line();

}  // namespace rubrika::cli
