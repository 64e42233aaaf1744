// The padding part of `rubrika bench encoder --texts FILE`: real texts have varied lengths,
// and how batches are padded decides how much of the encoder's work is wasted on padding.
// Three strategies run over the same texts, in batches of the same size:
//   max_length  every batch padded to the encoder's max_length (what fixed-shape serving does)
//   dynamic     file order, each batch padded to its longest text
//   bucketed    texts sorted by token length, then batched and padded to the batch's longest
// and for each the report gives sequences/s, real tokens/s and the share of padding.
#pragma once

#include <rubrika/encoder.hpp>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace rubrika::cli {

// Texts from a .csv (the named columns joined with ". "), a .jsonl (same) or any other file
// (one text per line). At most `limit` texts; empty ones are skipped.
std::vector<std::string> read_bench_texts(const std::filesystem::path& file,
                                          const std::vector<std::string>& columns, size_t limit);

void run_padding_bench(Encoder& encoder, const std::vector<std::string>& texts, int64_t batch,
                       std::ostream& out);

}  // namespace rubrika::cli
