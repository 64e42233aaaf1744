// Learning a WordPiece vocabulary from a corpus, the way Hugging Face tokenizers'
// WordPieceTrainer does: words from BERT's basic tokenizer, each spelled as its first
// character and "##"-prefixed continuation characters; special tokens first, then the
// alphabet, then the most frequent adjacent pair merged into a new token (the "##" of the
// right part dropped) until the vocabulary has `vocab_size` tokens or no pair occurs
// `min_frequency` times. Ties go to the pair of earlier tokens, so the result is
// deterministic.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

struct WordPieceTrainerOptions {
  int64_t vocab_size = 8000;      // tokens in the result, specials included
  int64_t min_frequency = 2;      // a merge needs at least this many occurrences
  bool lowercase = false;         // lowercase (and strip accents) like an uncased BERT
  int64_t limit_alphabet = 1000;  // keep the most frequent characters only

  // The recipe's [vocab] table.
  static WordPieceTrainerOptions from_toml(const toml::table& table);
};

// The vocabulary in id order: [PAD] [UNK] [CLS] [SEP] [MASK], the alphabet, the merges.
std::vector<std::string> train_wordpiece(const std::vector<std::string>& texts,
                                         const WordPieceTrainerOptions& options);

// train_wordpiece, then writes vocab.txt, tokenizer_config.json and special_tokens_map.json
// into `out_dir`, atomically (a temporary folder renamed over it).
void train_wordpiece_vocabulary(const std::vector<std::string>& texts,
                                const WordPieceTrainerOptions& options,
                                const std::filesystem::path& out_dir);

}  // namespace rubrika
