// Encoder features of an extension's texts: computed once with the parent's frozen encoder
// (every window of a text under [long_text] windows) and kept in features.h5, so a text is
// never encoded twice — not within one extension, nor when it is run again into the same
// folder.
#pragma once

#include <rubrika/pipeline.hpp>

#include <ATen/ATen.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika::detail {

class FeatureTable {
 public:
  // Encodes `texts` (normalised) as `pipeline` reads them, taking the rows of the texts that
  // `cache` already holds when it was written for the same `key` (the parent's run id).
  static FeatureTable build(Pipeline& pipeline, const std::vector<std::string>& texts,
                            const std::filesystem::path& cache, const std::string& key);
  // Writes every text's rows and `key` to `file` (atomically).
  void save(const std::filesystem::path& file, const std::string& key) const;

  // The rows of texts `ids`, one per window, as an EncoderOutput holding cls, pooled (when
  // the encoder has a pooler) and the mean-pooled vector as a one-token sequence; and
  // text_of_row [rows] saying which of `ids` (0..ids.size()-1) each row belongs to.
  EncoderOutput rows_of(const std::vector<size_t>& ids, at::Tensor& text_of_row) const;

  size_t texts() const { return hashes_.size(); }
  int64_t encoded_texts() const { return encoded_; }  // computed now
  int64_t reused_texts() const { return reused_; }    // taken from the cache
  double encode_seconds() const { return seconds_; }

 private:
  std::vector<int64_t> hashes_;     // per text: 64-bit FNV-1a of the normalised text
  std::vector<int64_t> row_begin_;  // text i's rows are [row_begin_[i], row_begin_[i + 1])
  at::Tensor cls_, pooled_, mean_;  // [rows, hidden] float32, CPU; pooled_ may be undefined
  int64_t encoded_ = 0, reused_ = 0;
  double seconds_ = 0.0;
};

// `pipeline` (head, pooling, calibrator) on the cached features of texts `ids`, in batches:
// one row per text, on the CPU, as Pipeline::forward_all gives (encoded: the windows' mean).
ForwardResult forward_cached(Pipeline& pipeline, const FeatureTable& features,
                             const std::vector<size_t>& ids);

}  // namespace rubrika::detail
