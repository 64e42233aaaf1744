#include "padding_bench.hpp"

#include "bench_support.hpp"

#include <rubrika/data/csv.hpp>
#include <rubrika/data/jsonl.hpp>
#include <rubrika/error.hpp>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <numeric>

namespace fs = std::filesystem;

namespace rubrika::cli {

namespace {

std::string joined_columns(const RecordTable& table, const Record& record,
                           const std::vector<size_t>& columns) {
  std::string text;
  for (size_t c : columns) {
    const FieldValue& field = record.fields[c];
    if (!field.present || field.text.empty()) continue;
    if (!text.empty()) text += ". ";
    text += field.text;
  }
  return text;
}

std::vector<std::string> texts_from_table(const RecordTable& table,
                                          const std::vector<std::string>& names, size_t limit) {
  std::vector<size_t> columns;
  for (const auto& name : names) columns.push_back(table.require_column(name));
  std::vector<std::string> texts;
  for (const Record& record : table.rows) {
    if (texts.size() == limit) break;
    std::string text = joined_columns(table, record, columns);
    if (!text.empty()) texts.push_back(std::move(text));
  }
  return texts;
}

// One pass over `batches` (index lists into `texts`); `pad_to` > 0 pads every batch to it.
struct PassResult {
  double seconds = 0;
  int64_t real_tokens = 0, padded_tokens = 0;
};

TokenBatch padded_to(const TokenBatch& batch, int64_t length) {
  const int64_t extra = length - batch.seq_len();
  if (extra <= 0) return batch;
  TokenBatch out;
  out.input_ids = at::constant_pad_nd(batch.input_ids, {0, extra}, 0);
  out.attention_mask = at::constant_pad_nd(batch.attention_mask, {0, extra}, 0);
  out.token_type_ids = at::constant_pad_nd(batch.token_type_ids, {0, extra}, 0);
  return out;
}

PassResult run_pass(Encoder& encoder, const std::vector<std::string>& texts,
                    const std::vector<std::vector<size_t>>& batches, int64_t pad_to) {
  PassResult result;
  const auto start = BenchClock::now();
  for (const auto& indices : batches) {
    std::vector<std::string> chunk;
    for (size_t i : indices) chunk.push_back(texts[i]);
    TokenBatch batch = padded_to(encoder.tokenize(chunk), pad_to);
    result.real_tokens += batch.real_tokens();
    result.padded_tokens += batch.size() * batch.seq_len();
    (void)encoder.forward(batch).pooled.sum().item<float>();  // waits for the device
  }
  result.seconds = seconds_since(start);
  return result;
}

std::vector<std::vector<size_t>> batches_of(const std::vector<size_t>& order, int64_t batch) {
  std::vector<std::vector<size_t>> batches;
  for (size_t i = 0; i < order.size(); i += static_cast<size_t>(batch))
    batches.emplace_back(order.begin() + i,
                         order.begin() + std::min(order.size(), i + static_cast<size_t>(batch)));
  return batches;
}

std::vector<int64_t> token_lengths(Encoder& encoder, const std::vector<std::string>& texts) {
  std::vector<int64_t> lengths;
  for (size_t i = 0; i < texts.size(); i += 256) {
    std::vector<std::string> chunk(texts.begin() + i,
                                   texts.begin() + std::min(texts.size(), i + 256));
    const at::Tensor per_text = encoder.tokenize(chunk).attention_mask.sum(1);
    for (int64_t j = 0; j < per_text.size(0); ++j) lengths.push_back(per_text[j].item<int64_t>());
  }
  return lengths;
}

void print_row(std::ostream& out, const std::string& name, const PassResult& r, size_t texts,
               double baseline_seconds) {
  out << std::left << std::setw(12) << name << std::right << std::fixed << std::setprecision(2)
      << std::setw(10) << texts / r.seconds << " seq/s" << std::setw(11)
      << r.real_tokens / r.seconds << " real tok/s" << std::setprecision(1) << std::setw(8)
      << 100.0 * (r.padded_tokens - r.real_tokens) / r.padded_tokens << "% padding"
      << std::setprecision(2) << std::setw(8) << baseline_seconds / r.seconds
      << "x vs max_length\n";
}

}  // namespace

std::vector<std::string> read_bench_texts(const fs::path& file,
                                          const std::vector<std::string>& columns, size_t limit) {
  std::vector<std::string> texts;
  const std::string ext = file.extension().string();
  if (ext == ".csv")
    texts = texts_from_table(read_csv(file), columns, limit);
  else if (ext == ".jsonl")
    texts = texts_from_table(read_jsonl(file), columns, limit);
  else {
    std::ifstream in(file);
    if (!in) throw IoError("cannot read " + file.string(), "bench encoder --texts");
    for (std::string line; texts.size() < limit && std::getline(in, line);)
      if (!line.empty()) texts.push_back(line);
  }
  if (texts.empty())
    throw InputError("no non-empty texts in " + file.string(), "bench encoder --texts");
  return texts;
}

void run_padding_bench(Encoder& encoder, const std::vector<std::string>& texts, int64_t batch,
                       std::ostream& out) {
  c10::InferenceMode guard;
  const std::vector<int64_t> lengths = token_lengths(encoder, texts);
  std::vector<size_t> file_order(texts.size());
  std::iota(file_order.begin(), file_order.end(), size_t{0});
  std::vector<size_t> by_length = file_order;
  std::stable_sort(by_length.begin(), by_length.end(),
                   [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  const auto [shortest, longest] = std::minmax_element(lengths.begin(), lengths.end());
  out << "texts     " << texts.size() << ", " << *shortest << "–" << *longest << " tokens (mean "
      << std::setprecision(1) << std::fixed
      << std::accumulate(lengths.begin(), lengths.end(), 0.0) / lengths.size() << "), max_length "
      << encoder.max_length() << ", batch " << batch << "\n";

  run_pass(encoder, texts, {batches_of(file_order, batch).front()}, 0);  // warm-up
  const PassResult fixed =
      run_pass(encoder, texts, batches_of(file_order, batch), encoder.max_length());
  const PassResult dynamic = run_pass(encoder, texts, batches_of(file_order, batch), 0);
  const PassResult bucketed = run_pass(encoder, texts, batches_of(by_length, batch), 0);
  print_row(out, "max_length", fixed, texts.size(), fixed.seconds);
  print_row(out, "dynamic", dynamic, texts.size(), fixed.seconds);
  print_row(out, "bucketed", bucketed, texts.size(), fixed.seconds);
}

}  // namespace rubrika::cli
