#include "basic_tokenizer.hpp"

namespace rubrika::text {

std::vector<std::vector<Char>> basic_tokenize(const std::vector<char32_t>& cps, size_t begin, size_t end,
                                              const BertTokenizerOptions& o) {
  std::vector<std::vector<Char>> words;
  BasicScratch scratch;
  for_each_word(cps, begin, end, o, scratch,
                [&](const Char* word, size_t length) { words.emplace_back(word, word + length); });
  return words;
}

}  // namespace rubrika::text
