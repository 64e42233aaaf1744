// BertTokenizer: Hugging Face BertTokenizer (transformers 4.26, the slow Python one),
// token for token, id for id, in C++.
//
// Pipeline per text (see ../shared/fixtures/README.md for every rule):
//   clean (drop NUL, U+FFFD, C* chars; whitespace → space) → spaces around CJK →
//   whitespace split → [lowercase + NFD accent strip when configured] → punctuation split
//   → greedy longest-match WordPiece with "##" continuations (> 100 chars → [UNK]).
// Special tokens listed in the vocabulary's never_split set pass through whole.
//
// Offsets are [start, end) in Unicode code points of the input string (also available
// in UTF-8 bytes); [0, 0] for [CLS]/[SEP]/padding.
#pragma once

#include <rubrika/types.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rubrika {

namespace text {
struct Char;
}

enum class Truncation { longest_first, only_first, only_second, none };

// Parses "longest_first", "only_first", "only_second", "none"; throws InputError otherwise.
Truncation parse_truncation(const std::string& name);

// One encoded text or text pair, before padding.
struct Encoding {
  std::vector<std::string> tokens;                        // word pieces including [CLS]/[SEP]
  std::vector<int64_t> input_ids;                         // vocabulary ids
  std::vector<int64_t> token_type_ids;                    // 0 first segment, 1 second
  std::vector<int64_t> attention_mask;                    // all 1 (padding happens in batch())
  std::vector<std::pair<int64_t, int64_t>> offsets;       // code points of its own string
  std::vector<std::pair<int64_t, int64_t>> offsets_utf8;  // bytes of its own string
  bool truncated = false;  // true when tokens were cut to fit max_length
  size_t size() const { return input_ids.size(); }
};

struct BertTokenizerOptions {
  bool do_lower_case = false;          // RuBERT and mBERT cased: false
  std::optional<bool> strip_accents;   // unset: follows do_lower_case (HF semantics)
  bool tokenize_chinese_chars = true;  // spaces around CJK ideographs
  int64_t model_max_length = 512;      // default max_length, specials included
  std::string unk_token = "[UNK]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string cls_token = "[CLS]";
  std::string mask_token = "[MASK]";
  int64_t max_input_chars_per_word = 100;
};

class BertTokenizer {
 public:
  // From an in-memory vocabulary (tokens in id order). Throws InputError when a special
  // token is missing from it or a token repeats.
  BertTokenizer(std::vector<std::string> vocab, BertTokenizerOptions options);

  // Loads vocab.txt, and tokenizer_config.json / special_tokens_map.json when present
  // (do_lower_case, strip_accents, tokenize_chinese_chars, model_max_length, special tokens).
  // Throws IoError / InputError naming the file on missing or malformed files.
  static BertTokenizer from_folder(const std::filesystem::path& dir);

  // Writes vocab.txt, tokenizer_config.json and special_tokens_map.json (Hugging Face
  // layout) into `dir`, which must exist.
  void save(const std::filesystem::path& dir) const;

  // Word pieces of one text, without specials (what BertTokenizer.tokenize gives).
  // Throws InputError naming the byte offset on invalid UTF-8.
  std::vector<std::string> tokenize(std::string_view text) const;

  // [CLS] text [SEP] or [CLS] text [SEP] pair [SEP], truncated to max_length (<= 0 means
  // model_max_length) with `truncation`.
  Encoding encode(std::string_view text, const std::string_view* pair = nullptr,
                  int64_t max_length = 0, Truncation truncation = Truncation::longest_first) const;

  // Long text as overlapping windows of at most max_length tokens (specials included),
  // consecutive windows sharing `stride` word pieces; one window when it fits.
  std::vector<Encoding> encode_windows(std::string_view text, int64_t max_length,
                                       int64_t stride) const;

  // Right-pads to the longest encoding (rounded up to a multiple of `pad_to_multiple_of`
  // when > 0) and returns CPU int64 tensors.
  TokenBatch pad(const std::vector<Encoding>& encodings, int64_t pad_to_multiple_of = 0) const;

  int64_t vocab_size() const { return static_cast<int64_t>(vocab_.size()); }
  int64_t token_to_id(const std::string& token) const;  // unk id when absent
  const std::string& id_to_token(int64_t id) const;
  int64_t pad_id() const { return pad_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }
  int64_t unk_id() const { return unk_id_; }
  const BertTokenizerOptions& options() const { return options_; }
  const std::vector<std::string>& vocab() const { return vocab_; }

  // A word piece: its id and its span [start, end) in code points of the input.
  struct Piece {
    int64_t id;
    int64_t start;
    int64_t end;
  };

 private:
  std::vector<Piece> pieces(const std::u32string& cps) const;
  void word_pieces(const std::vector<text::Char>& word, std::vector<Piece>& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  BertTokenizerOptions options_;
  std::vector<std::u32string> specials_;  // never split, longest first
  int64_t pad_id_ = 0, cls_id_ = 0, sep_id_ = 0, unk_id_ = 0;
};

}  // namespace rubrika
