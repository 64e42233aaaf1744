#include "feature_table.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/progress.hpp>
#include <rubrika/state/state_file.hpp>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <unordered_map>

namespace rubrika::detail {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "extend";
constexpr int64_t kEncodeBatch = 32;  // texts per forward pass
constexpr const char* kGroup = "features";

int64_t text_hash(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return static_cast<int64_t>(hash);
}

// Each text's rows of a table, by text hash.
struct CachedRows {
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> range;  // hash → [begin, end)
  at::Tensor cls, pooled, mean;
};

CachedRows read_cache(const fs::path& file, const std::string& key) {
  CachedRows cached;
  if (file.empty() || !fs::exists(file)) return cached;
  try {
    state::StateReader in(file);
    if (!in.has_attribute("/", "key") || in.string_attribute("/", "key") != key) {
      log_info(kSource, "features cache " + file.string() + " is of another parent: not used");
      return cached;
    }
    const at::Tensor hashes = in.read_tensor(std::string(kGroup) + "/text_hash");
    const at::Tensor begin = in.read_tensor(std::string(kGroup) + "/row_begin");
    cached.cls = in.read_tensor(std::string(kGroup) + "/cls");
    cached.mean = in.read_tensor(std::string(kGroup) + "/mean");
    if (in.has(std::string(kGroup) + "/pooled"))
      cached.pooled = in.read_tensor(std::string(kGroup) + "/pooled");
    for (int64_t i = 0; i < hashes.numel(); ++i)
      cached.range[hashes[i].item<int64_t>()] = {begin[i].item<int64_t>(),
                                                 begin[i + 1].item<int64_t>()};
  } catch (const Error& e) {
    log_warn(kSource, std::string("features cache not used: ") + e.what());
    return {};
  }
  return cached;
}

// Per-window vectors of one batch of texts, on the CPU.
struct EncodedRows {
  at::Tensor cls, pooled, mean, text_of_row;
};

EncodedRows encode(Pipeline& pipeline, const std::vector<std::string>& texts) {
  c10::InferenceMode guard;
  Encoder& encoder = pipeline.encoder();
  encoder.set_training(false);
  WindowedBatch batch;
  if (pipeline.long_text().windows()) {
    batch = encoder.tokenize_windows(texts, pipeline.long_text().stride);
  } else {
    batch.tokens = encoder.tokenize(texts);
    batch.texts = static_cast<int64_t>(texts.size());
    batch.text_of_row = at::arange(batch.texts, at::kLong);
  }
  const EncoderOutput out = encoder.forward(batch.tokens);
  EncodedRows rows;
  rows.cls = out.cls.to(at::kFloat).cpu();
  if (out.pooled.defined()) rows.pooled = out.pooled.to(at::kFloat).cpu();
  rows.mean = out.mean_pooled().to(at::kFloat).cpu();
  rows.text_of_row = batch.text_of_row.cpu();
  return rows;
}

}  // namespace

namespace {

struct PerText {
  std::vector<at::Tensor> cls, pooled, mean;  // one [rows, hidden] slice per text
  explicit PerText(size_t n) : cls(n), pooled(n), mean(n) {}
};

void take_cached(const CachedRows& cached, size_t i, int64_t hash, PerText& out) {
  const auto [begin, end] = cached.range.at(hash);
  out.cls[i] = cached.cls.slice(0, begin, end);
  out.mean[i] = cached.mean.slice(0, begin, end);
  if (cached.pooled.defined()) out.pooled[i] = cached.pooled.slice(0, begin, end);
}

// Encodes texts `todo` in batches of similar length (less padding), filling `out`.
void encode_missing(Pipeline& pipeline, const std::vector<std::string>& texts,
                    std::vector<size_t> todo, PerText& out) {
  std::sort(todo.begin(), todo.end(),
            [&](size_t a, size_t b) { return texts[a].size() < texts[b].size(); });
  for (size_t begin = 0; begin < todo.size(); begin += kEncodeBatch) {
    const size_t end = std::min(todo.size(), begin + kEncodeBatch);
    std::vector<std::string> chunk;
    for (size_t k = begin; k < end; ++k) chunk.push_back(texts[todo[k]]);
    const EncodedRows rows = encode(pipeline, chunk);
    const auto owner = rows.text_of_row.accessor<int64_t, 1>();
    int64_t row = 0;
    for (size_t k = begin; k < end; ++k) {
      int64_t last = row;
      while (last < owner.size(0) && owner[last] == static_cast<int64_t>(k - begin)) ++last;
      const size_t i = todo[k];
      out.cls[i] = rows.cls.slice(0, row, last);
      out.mean[i] = rows.mean.slice(0, row, last);
      if (rows.pooled.defined()) out.pooled[i] = rows.pooled.slice(0, row, last);
      row = last;
    }
  }
}

}  // namespace

FeatureTable FeatureTable::build(Pipeline& pipeline, const std::vector<std::string>& texts,
                                 const fs::path& cache, const std::string& key) {
  const auto start = std::chrono::steady_clock::now();
  const CachedRows cached = read_cache(cache, key);
  FeatureTable table;
  PerText parts(texts.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < texts.size(); ++i) {
    table.hashes_.push_back(text_hash(texts[i]));
    if (cached.range.count(table.hashes_.back())) {
      take_cached(cached, i, table.hashes_.back(), parts);
      ++table.reused_;
    } else {
      todo.push_back(i);
    }
  }
  table.encoded_ = static_cast<int64_t>(todo.size());
  log_info(kSource, "encoding " + std::to_string(todo.size()) + " texts with the parent's " +
                        "frozen encoder (" + std::to_string(table.reused_) + " from the cache)");
  encode_missing(pipeline, texts, std::move(todo), parts);
  table.row_begin_.push_back(0);
  for (const auto& rows : parts.cls)
    table.row_begin_.push_back(table.row_begin_.back() + rows.size(0));
  table.cls_ = at::cat(parts.cls);
  table.mean_ = at::cat(parts.mean);
  if (std::all_of(parts.pooled.begin(), parts.pooled.end(),
                  [](const at::Tensor& t) { return t.defined(); }))
    table.pooled_ = at::cat(parts.pooled);
  table.seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return table;
}

void FeatureTable::save(const fs::path& file, const std::string& key) const {
  state::StateWriter out(file);
  out.write_tensor(std::string(kGroup) + "/text_hash", at::tensor(hashes_, at::kLong));
  out.write_tensor(std::string(kGroup) + "/row_begin", at::tensor(row_begin_, at::kLong));
  out.write_tensor(std::string(kGroup) + "/cls", cls_);
  out.write_tensor(std::string(kGroup) + "/mean", mean_);
  if (pooled_.defined()) out.write_tensor(std::string(kGroup) + "/pooled", pooled_);
  out.set_string_attribute("/", "key", key);
  out.commit();
}

EncoderOutput FeatureTable::rows_of(const std::vector<size_t>& ids, at::Tensor& text_of_row) const {
  std::vector<int64_t> rows, owner;
  for (size_t k = 0; k < ids.size(); ++k)
    for (int64_t r = row_begin_[ids[k]]; r < row_begin_[ids[k] + 1]; ++r) {
      rows.push_back(r);
      owner.push_back(static_cast<int64_t>(k));
    }
  const at::Tensor index = at::tensor(rows, at::kLong);
  text_of_row = at::tensor(owner, at::kLong);
  EncoderOutput out;
  out.cls = cls_.index_select(0, index);
  if (pooled_.defined()) out.pooled = pooled_.index_select(0, index);
  out.last_hidden_state = mean_.index_select(0, index).unsqueeze(1);
  out.attention_mask = at::ones({index.size(0), 1}, at::kLong);
  return out;
}

ForwardResult forward_cached(Pipeline& pipeline, const FeatureTable& features,
                             const std::vector<size_t>& ids) {
  constexpr size_t kBatch = 512;
  std::vector<ForwardResult> parts;
  for (size_t begin = 0; begin < ids.size(); begin += kBatch) {
    const std::vector<size_t> chunk(
        ids.begin() + static_cast<long>(begin),
        ids.begin() + static_cast<long>(std::min(ids.size(), begin + kBatch)));
    at::Tensor text_of_row;
    EncoderOutput rows = features.rows_of(chunk, text_of_row);
    parts.push_back(
        pipeline.forward_encoded(std::move(rows), text_of_row, static_cast<int64_t>(chunk.size())));
  }
  return concatenate_results(parts);
}

}  // namespace rubrika::detail
