// The texts of masked-language-model pretraining: unlabelled corpus files read a piece at a
// time, and every text tokenised once and kept as token ids (4 bytes a token, no strings), so
// a corpus far larger than the labelled data fits in memory.
#pragma once

#include <rubrika/encoder.hpp>
#include <rubrika/types.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace rubrika {

// Reads the texts of `file` and hands them to `sink` in pieces of at most `piece` texts,
// so the file is never held whole. By extension: .csv (RFC 4180, the column `text_field`),
// .jsonl (one object a line, the field `text_field`), anything else one text a line. Empty
// texts are skipped. Errors name the file and line: IoError when it cannot be read,
// InputError on invalid UTF-8, bad CSV/JSON or a missing column.
void stream_corpus_file(const std::filesystem::path& file, const std::string& text_field,
                        size_t piece, const std::function<void(std::vector<std::string>)>& sink);

class TokenizedCorpus {
 public:
  // Rows keep at most `max_length` tokens, [CLS] and [SEP] included; `sep_id` is what a
  // truncated row ends with, `pad_id` what batches pad with.
  TokenizedCorpus(int64_t max_length, int64_t sep_id, int64_t pad_id);

  // Tokenises `texts` with `encoder` and adds a row for each that has a token besides
  // [CLS] and [SEP] (a text of spaces alone has nothing to predict).
  void add(const Encoder& encoder, const std::vector<std::string>& texts);
  // Keeps the first `rows` rows.
  void truncate(int64_t rows);

  int64_t size() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  int64_t length(int64_t row) const;
  int64_t tokens() const { return static_cast<int64_t>(ids_.size()); }

  // `rows` as one right-padded CPU batch (token_type_ids all 0).
  TokenBatch batch(const std::vector<int64_t>& rows) const;

 private:
  int64_t max_length_, sep_id_, pad_id_;
  std::vector<int32_t> ids_;
  std::vector<int64_t> offsets_{0};  // row r is ids_[offsets_[r], offsets_[r + 1])
};

}  // namespace rubrika
