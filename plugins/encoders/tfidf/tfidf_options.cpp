#include "tfidf_encoder.hpp"

#include <rubrika/options_reader.hpp>

#include <cmath>

namespace rubrika::tfidf {
namespace {

// [min, max] n-gram sizes from a two-integer array; [] switches the analyzer off.
NgramRange read_range(OptionsReader& in, const std::string& key, NgramRange fallback,
                      int64_t limit) {
  // Read even when absent, so the reader knows the key (unknown-key hints list it).
  const std::vector<double> values = in.get_doubles(
      key, {static_cast<double>(fallback.min_n), static_cast<double>(fallback.max_n)});
  if (values.empty()) return {0, 0};
  const std::string hint = "write [min, max] with 1 <= min <= max <= " + std::to_string(limit) +
                           ", or [] to switch these features off";
  if (values.size() != 2)
    in.fail(key, "must hold two sizes, got " + std::to_string(values.size()), hint);
  for (double v : values)
    if (v != std::floor(v) || v < 1 || v > static_cast<double>(limit))
      in.fail(key, "sizes must be integers in [1, " + std::to_string(limit) + "]", hint);
  if (values[0] > values[1]) in.fail(key, "min is larger than max", hint);
  return {static_cast<int64_t>(values[0]), static_cast<int64_t>(values[1])};
}

}  // namespace

bool TfidfEncoder::Settings::operator==(const Settings& o) const {
  return word_ngrams.min_n == o.word_ngrams.min_n && word_ngrams.max_n == o.word_ngrams.max_n &&
         char_ngrams.min_n == o.char_ngrams.min_n && char_ngrams.max_n == o.char_ngrams.max_n &&
         max_features == o.max_features && min_df == o.min_df && sublinear_tf == o.sublinear_tf &&
         lowercase == o.lowercase;
}

TfidfEncoder::Options TfidfEncoder::Options::from_toml(const toml::table& table) {
  OptionsReader in(table, "encoder");
  Options o;
  Settings& s = o.settings;
  s.word_ngrams = read_range(in, "word_ngrams", s.word_ngrams, 5);
  s.char_ngrams = read_range(in, "char_ngrams", s.char_ngrams, 10);
  if (!s.word_ngrams.enabled() && !s.char_ngrams.enabled())
    in.fail("char_ngrams", "both word_ngrams and char_ngrams are switched off",
            "keep at least one, e.g. char_ngrams = [2, 5]");
  s.max_features = in.get_int("max_features", s.max_features, 1, 1 << 22);
  s.min_df = in.get_int("min_df", s.min_df, 1, 1 << 30);
  s.sublinear_tf = in.get_bool("sublinear_tf", s.sublinear_tf);
  s.lowercase = in.get_bool("lowercase", s.lowercase);
  o.max_length = in.get_int("max_length", o.max_length, 1, 1 << 24);
  in.finish();
  return o;
}

}  // namespace rubrika::tfidf
