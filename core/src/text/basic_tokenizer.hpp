// Hugging Face's BasicTokenizer (private to core/src/text): clean, space CJK, split on
// whitespace, lowercase / strip accents as configured, split punctuation — keeping the
// input position of every character. Shared by BertTokenizer and the vocabulary trainer.
#pragma once

#include <rubrika/text/bert_tokenizer.hpp>

#include "unicode.hpp"

#include <string>
#include <vector>

namespace rubrika::text {

// Words of cps[begin, end).
std::vector<std::vector<Char>> basic_tokenize(const std::u32string& cps, size_t begin, size_t end,
                                              const BertTokenizerOptions& options);

}  // namespace rubrika::text
