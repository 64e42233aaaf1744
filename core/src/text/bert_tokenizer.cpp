// BertTokenizer, step for step as transformers 4.26's slow BertTokenizer (see
// ../shared/fixtures/README.md): special-token split, per-character lowercasing, cleaning,
// CJK spacing, whitespace split, accent stripping, punctuation split, greedy WordPiece —
// while remembering which input character every output character came from (offsets).
#include <rubrika/error.hpp>
#include <rubrika/text/bert_tokenizer.hpp>
#include <rubrika/text/utf8.hpp>

#include "basic_tokenizer.hpp"
#include "unicode.hpp"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rubrika {
namespace fs = std::filesystem;
using text::Char;

namespace {}  // namespace

Truncation parse_truncation(const std::string& name) {
  if (name == "longest_first") return Truncation::longest_first;
  if (name == "only_first") return Truncation::only_first;
  if (name == "only_second") return Truncation::only_second;
  if (name == "none" || name == "do_not_truncate") return Truncation::none;
  throw InputError("unknown truncation '" + name + "'", "",
                   "use longest_first, only_first, only_second or none");
}

BertTokenizer::BertTokenizer(std::vector<std::string> vocab, BertTokenizerOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  ids_.reserve(vocab_.size() * 2);
  // Like Hugging Face's load_vocab, a repeated token maps to its last line.
  for (size_t i = 0; i < vocab_.size(); ++i) ids_[vocab_[i]] = static_cast<int64_t>(i);
  auto special = [&](const std::string& token, int64_t& id) {
    auto found = ids_.find(token);
    if (found == ids_.end())
      throw InputError("the vocabulary has no special token '" + token + "'", "",
                       "a BERT vocab.txt has [PAD], [UNK], [CLS], [SEP] and [MASK]");
    id = found->second;
  };
  special(options_.pad_token, pad_id_);
  special(options_.unk_token, unk_id_);
  special(options_.cls_token, cls_id_);
  special(options_.sep_token, sep_id_);
  int64_t mask = 0;
  special(options_.mask_token, mask);
  for (const auto& token : {options_.cls_token, options_.sep_token, options_.pad_token,
                            options_.mask_token, options_.unk_token})
    specials_.push_back(utf8::decode(token));
  // Longest first, so the leftmost match is also the longest (Hugging Face's trie).
  std::sort(specials_.begin(), specials_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

int64_t BertTokenizer::token_to_id(const std::string& token) const {
  auto found = ids_.find(token);
  return found == ids_.end() ? unk_id_ : found->second;
}

const std::string& BertTokenizer::id_to_token(int64_t id) const {
  if (id < 0 || id >= vocab_size())
    throw InputError("token id " + std::to_string(id) + " outside the vocabulary (" +
                     std::to_string(vocab_size()) + ")");
  return vocab_[static_cast<size_t>(id)];
}

// Greedy longest-match-first WordPiece of one word; appends pieces (or one [UNK]).
void BertTokenizer::word_pieces(const std::vector<Char>& word, std::vector<Piece>& out) const {
  const int64_t word_start = word.front().origin;
  const int64_t word_end = word.back().origin + 1;
  if (static_cast<int64_t>(word.size()) > options_.max_input_chars_per_word) {
    out.push_back({unk_id_, word_start, word_end});
    return;
  }
  // UTF-8 of the word and the byte where each character starts.
  std::string bytes;
  std::vector<size_t> starts;
  for (const Char& c : word) {
    starts.push_back(bytes.size());
    utf8::append(bytes, c.cp);
  }
  starts.push_back(bytes.size());
  const size_t first = out.size();
  std::string candidate;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = word.size();
    int64_t id = -1;
    while (end > start) {
      candidate.assign(start > 0 ? "##" : "");
      candidate.append(bytes, starts[start], starts[end] - starts[start]);
      auto found = ids_.find(candidate);
      if (found != ids_.end()) {
        id = found->second;
        break;
      }
      --end;
    }
    if (id < 0) {  // no piece fits here: the whole word is unknown
      out.resize(first);
      out.push_back({unk_id_, word_start, word_end});
      return;
    }
    out.push_back({id, word[start].origin, word[end - 1].origin + 1});
    start = end;
  }
}

std::vector<BertTokenizer::Piece> BertTokenizer::pieces(const std::u32string& cps) const {
  std::vector<Piece> out;
  auto tokenize_span = [&](size_t begin, size_t end) {
    for (const auto& word : text::basic_tokenize(cps, begin, end, options_)) word_pieces(word, out);
  };
  size_t chunk = 0;
  for (size_t i = 0; i < cps.size();) {
    const std::u32string* matched = nullptr;
    for (const auto& special : specials_) {
      if (special.size() <= cps.size() - i &&
          std::equal(special.begin(), special.end(), cps.begin() + static_cast<long>(i))) {
        matched = &special;
        break;
      }
    }
    if (matched == nullptr) {
      ++i;
      continue;
    }
    tokenize_span(chunk, i);
    out.push_back({token_to_id(utf8::encode(*matched)), static_cast<int64_t>(i),
                   static_cast<int64_t>(i + matched->size())});
    i += matched->size();
    chunk = i;
  }
  tokenize_span(chunk, cps.size());
  return out;
}

std::vector<std::string> BertTokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> out;
  for (const BertTokenizer::Piece& p : pieces(utf8::decode(text)))
    out.push_back(vocab_[static_cast<size_t>(p.id)]);
  return out;
}

namespace {

void append_segment(Encoding& e, const std::vector<BertTokenizer::Piece>& pieces, size_t count,
                    const std::vector<int64_t>& bytes, int64_t type,
                    const BertTokenizer& tokenizer) {
  for (size_t i = 0; i < count; ++i) {
    const auto& p = pieces[i];
    e.input_ids.push_back(p.id);
    e.tokens.push_back(tokenizer.id_to_token(p.id));
    e.token_type_ids.push_back(type);
    e.attention_mask.push_back(1);
    e.offsets.emplace_back(p.start, p.end);
    e.offsets_utf8.emplace_back(bytes[static_cast<size_t>(p.start)],
                                bytes[static_cast<size_t>(p.end)]);
  }
}

void append_special(Encoding& e, int64_t id, int64_t type, const BertTokenizer& tokenizer) {
  e.input_ids.push_back(id);
  e.tokens.push_back(tokenizer.id_to_token(id));
  e.token_type_ids.push_back(type);
  e.attention_mask.push_back(1);
  e.offsets.emplace_back(0, 0);
  e.offsets_utf8.emplace_back(0, 0);
}

}  // namespace

Encoding BertTokenizer::encode(std::string_view text, const std::string_view* pair,
                               int64_t max_length, Truncation truncation) const {
  if (max_length <= 0) max_length = options_.model_max_length;
  std::vector<int64_t> bytes_a, bytes_b;
  const auto a = pieces(utf8::decode(text, InvalidUtf8::error, &bytes_a));
  std::vector<BertTokenizer::Piece> b;
  if (pair) b = pieces(utf8::decode(*pair, InvalidUtf8::error, &bytes_b));
  const int64_t specials = pair ? 3 : 2;
  size_t keep_a = a.size(), keep_b = b.size();
  Encoding e;
  const int64_t total = static_cast<int64_t>(keep_a + keep_b) + specials;
  if (truncation != Truncation::none && total > max_length) {
    e.truncated = true;
    int64_t remove = total - max_length;
    if (truncation == Truncation::longest_first) {
      // One token at a time from whichever segment is longer (the second on ties).
      for (; remove > 0; --remove) {
        if (keep_a > keep_b) {
          --keep_a;
        } else if (keep_b > 0) {
          --keep_b;
        } else {
          break;
        }
      }
    } else {
      size_t& keep = (truncation == Truncation::only_first || !pair) ? keep_a : keep_b;
      if (static_cast<int64_t>(keep) < remove)
        throw InputError("cannot truncate to " + std::to_string(max_length) +
                             " tokens by cutting only the " +
                             std::string(&keep == &keep_a ? "first" : "second") + " segment",
                         "", "use truncation longest_first or a larger max_length");
      keep -= static_cast<size_t>(remove);
    }
    if (max_length < specials)
      throw InputError("max_length " + std::to_string(max_length) +
                       " leaves no room for the special tokens");
  }
  append_special(e, cls_id_, 0, *this);
  append_segment(e, a, keep_a, bytes_a, 0, *this);
  append_special(e, sep_id_, 0, *this);
  if (pair) {
    append_segment(e, b, keep_b, bytes_b, 1, *this);
    append_special(e, sep_id_, 1, *this);
  }
  return e;
}

std::vector<Encoding> BertTokenizer::encode_windows(std::string_view text, int64_t max_length,
                                                    int64_t stride) const {
  const int64_t room = max_length - 2;
  if (room <= 0)
    throw InputError("max_length " + std::to_string(max_length) + " leaves no room for text");
  if (stride < 0 || stride >= room)
    throw InputError(
        "stride " + std::to_string(stride) + " must be in [0, " + std::to_string(room) + ")", "",
        "windows must advance");
  std::vector<int64_t> bytes;
  const auto all = pieces(utf8::decode(text, InvalidUtf8::error, &bytes));
  std::vector<Encoding> windows;
  for (size_t start = 0;; start += static_cast<size_t>(room - stride)) {
    const size_t end = std::min(all.size(), start + static_cast<size_t>(room));
    Encoding e;
    e.truncated = all.size() > static_cast<size_t>(room);
    append_special(e, cls_id_, 0, *this);
    std::vector<BertTokenizer::Piece> part(all.begin() + static_cast<long>(start),
                                           all.begin() + static_cast<long>(end));
    append_segment(e, part, part.size(), bytes, 0, *this);
    append_special(e, sep_id_, 0, *this);
    windows.push_back(std::move(e));
    if (end >= all.size()) break;
  }
  return windows;
}

TokenBatch BertTokenizer::pad(const std::vector<Encoding>& encodings,
                              int64_t pad_to_multiple_of) const {
  int64_t longest = 0;
  for (const auto& e : encodings)
    longest = std::max<int64_t>(longest, static_cast<int64_t>(e.size()));
  if (pad_to_multiple_of > 0)
    longest = (longest + pad_to_multiple_of - 1) / pad_to_multiple_of * pad_to_multiple_of;
  const auto n = static_cast<int64_t>(encodings.size());
  at::Tensor ids = at::full({n, longest}, pad_id_, at::kLong);
  at::Tensor mask = at::zeros({n, longest}, at::kLong);
  at::Tensor types = at::zeros({n, longest}, at::kLong);
  auto id = ids.accessor<int64_t, 2>();
  auto m = mask.accessor<int64_t, 2>();
  auto t = types.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const Encoding& e = encodings[static_cast<size_t>(i)];
    for (size_t j = 0; j < e.size(); ++j) {
      id[i][static_cast<int64_t>(j)] = e.input_ids[j];
      m[i][static_cast<int64_t>(j)] = e.attention_mask[j];
      t[i][static_cast<int64_t>(j)] = e.token_type_ids[j];
    }
  }
  return {ids, mask, types};
}

}  // namespace rubrika
