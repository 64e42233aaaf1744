#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/text/bert_tokenizer.hpp>
#include <rubrika/text/utf8.hpp>
#include <rubrika/text/wordpiece_trainer.hpp>

#include "basic_tokenizer.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

namespace rubrika {
namespace {

using Pair = std::pair<int32_t, int32_t>;

struct PairHash {
  size_t operator()(const Pair& p) const {
    return std::hash<int64_t>()((int64_t(p.first) << 32) ^ uint32_t(p.second));
  }
};

// Corpus words with counts, spelled as symbol ids.
struct Corpus {
  std::vector<std::vector<int32_t>> words;
  std::vector<int64_t> counts;
};

class Vocabulary {
 public:
  int32_t add(const std::string& token) {
    auto [it, inserted] = ids_.emplace(token, static_cast<int32_t>(tokens_.size()));
    if (inserted) tokens_.push_back(token);
    return it->second;
  }
  int32_t id(const std::string& token) const { return ids_.at(token); }
  const std::string& token(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  size_t size() const { return tokens_.size(); }
  std::vector<std::string> tokens() const { return tokens_; }

 private:
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> tokens_;
};

std::map<std::string, int64_t> count_words(const std::vector<std::string>& texts,
                                           const WordPieceTrainerOptions& o) {
  BertTokenizerOptions basic;
  basic.do_lower_case = o.lowercase;
  std::map<std::string, int64_t> counts;
  for (const auto& text : texts) {
    const auto cps = utf8::decode(text, InvalidUtf8::replace);
    for (const auto& word : text::basic_tokenize(cps, 0, cps.size(), basic)) {
      std::string spelled;
      for (const auto& c : word) utf8::append(spelled, c.cp);
      counts[spelled] += 1;
    }
  }
  return counts;
}

// The alphabet (most frequent characters first, up to limit_alphabet) and each word
// spelled with it; words with a character outside the alphabet are dropped.
Corpus spell(const std::map<std::string, int64_t>& word_counts, const WordPieceTrainerOptions& o,
             Vocabulary& vocab) {
  std::map<char32_t, int64_t> char_counts;
  for (const auto& [word, count] : word_counts)
    for (char32_t cp : utf8::decode(word, InvalidUtf8::replace)) char_counts[cp] += count;
  std::vector<std::pair<char32_t, int64_t>> alphabet(char_counts.begin(), char_counts.end());
  std::stable_sort(alphabet.begin(), alphabet.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int64_t>(alphabet.size()) > o.limit_alphabet)
    alphabet.resize(static_cast<size_t>(o.limit_alphabet));
  std::set<char32_t> kept;
  for (const auto& [cp, count] : alphabet) {
    kept.insert(cp);
    std::string s;
    utf8::append(s, cp);
    vocab.add(s);
  }
  for (const auto& [cp, count] : alphabet) {
    std::string s = "##";
    utf8::append(s, cp);
    vocab.add(s);
  }
  Corpus corpus;
  for (const auto& [word, count] : word_counts) {
    const auto cps = utf8::decode(word, InvalidUtf8::replace);
    if (!std::all_of(cps.begin(), cps.end(), [&](char32_t cp) { return kept.count(cp) > 0; }))
      continue;
    std::vector<int32_t> symbols;
    for (size_t i = 0; i < cps.size(); ++i) {
      std::string s = i ? "##" : "";
      utf8::append(s, cps[i]);
      symbols.push_back(vocab.id(s));
    }
    corpus.words.push_back(std::move(symbols));
    corpus.counts.push_back(count);
  }
  return corpus;
}

std::string merged_token(const Vocabulary& vocab, const Pair& pair) {
  const std::string& right = vocab.token(pair.second);
  return vocab.token(pair.first) + (right.rfind("##", 0) == 0 ? right.substr(2) : right);
}

void merge_until_full(Corpus& corpus, const WordPieceTrainerOptions& o, Vocabulary& vocab) {
  std::unordered_map<Pair, int64_t, PairHash> pair_counts;
  std::unordered_map<Pair, std::set<size_t>, PairHash> where;
  for (size_t w = 0; w < corpus.words.size(); ++w)
    for (size_t i = 0; i + 1 < corpus.words[w].size(); ++i) {
      Pair p{corpus.words[w][i], corpus.words[w][i + 1]};
      pair_counts[p] += corpus.counts[w];
      where[p].insert(w);
    }
  // Max-heap on (count, then the earliest tokens); stale entries are skipped when popped.
  using Entry = std::tuple<int64_t, int32_t, int32_t>;
  auto worse = [](const Entry& a, const Entry& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
    return std::make_pair(std::get<1>(a), std::get<2>(a)) >
           std::make_pair(std::get<1>(b), std::get<2>(b));
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
  for (const auto& [p, c] : pair_counts) heap.emplace(c, p.first, p.second);
  while (static_cast<int64_t>(vocab.size()) < o.vocab_size && !heap.empty()) {
    auto [count, a, b] = heap.top();
    heap.pop();
    const Pair pair{a, b};
    auto current = pair_counts.find(pair);
    if (current == pair_counts.end() || current->second != count) continue;  // stale
    if (count < o.min_frequency) break;
    const int32_t merged = vocab.add(merged_token(vocab, pair));
    std::unordered_map<Pair, int64_t, PairHash> changed;
    for (size_t w : std::set<size_t>(where[pair])) {
      auto& symbols = corpus.words[w];
      const int64_t weight = corpus.counts[w];
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        Pair p{symbols[i], symbols[i + 1]};
        pair_counts[p] -= weight;
        changed[p] -= weight;
      }
      std::vector<int32_t> rebuilt;
      for (size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == a && symbols[i + 1] == b) {
          rebuilt.push_back(merged);
          ++i;
        } else {
          rebuilt.push_back(symbols[i]);
        }
      }
      symbols.swap(rebuilt);
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        Pair p{symbols[i], symbols[i + 1]};
        pair_counts[p] += weight;
        changed[p] += weight;
        where[p].insert(w);
      }
    }
    for (const auto& [p, delta] : changed)
      if (delta != 0 && pair_counts[p] > 0) heap.emplace(pair_counts[p], p.first, p.second);
    pair_counts.erase(pair);
  }
}

}  // namespace

WordPieceTrainerOptions WordPieceTrainerOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "vocab", false);
  WordPieceTrainerOptions o;
  o.vocab_size = in.get_int("size", o.vocab_size, 32, 1000000);
  o.min_frequency = in.get_int("min_frequency", o.min_frequency, 1, 1000000000);
  o.lowercase = in.get_bool("lowercase", o.lowercase);
  o.limit_alphabet = in.get_int("limit_alphabet", o.limit_alphabet, 1, 1000000);
  in.finish();
  return o;
}

std::vector<std::string> train_wordpiece(const std::vector<std::string>& texts,
                                         const WordPieceTrainerOptions& o) {
  if (texts.empty()) throw InputError("no texts to learn a vocabulary from");
  Vocabulary vocab;
  for (const char* special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) vocab.add(special);
  Corpus corpus = spell(count_words(texts, o), o, vocab);
  merge_until_full(corpus, o, vocab);
  return vocab.tokens();
}

void train_wordpiece_vocabulary(const std::vector<std::string>& texts,
                                const WordPieceTrainerOptions& o,
                                const std::filesystem::path& out_dir) {
  BertTokenizerOptions tokenizer_options;
  tokenizer_options.do_lower_case = o.lowercase;
  BertTokenizer tokenizer(train_wordpiece(texts, o), tokenizer_options);
  AtomicDirectory dir(out_dir);
  tokenizer.save(dir.path());
  dir.commit();
}

}  // namespace rubrika
