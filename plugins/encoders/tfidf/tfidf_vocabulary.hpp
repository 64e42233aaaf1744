// The fitted vocabulary of one analyzer (word or char_wb n-grams) and its IDF, built the
// way scikit-learn's TfidfVectorizer does:
//   - df(t) = number of training texts containing t; keep t when df(t) >= min_df;
//   - of those, keep the max_features with the highest total count in the corpus (ties:
//     the smaller string first, so fitting is deterministic);
//   - features are ordered alphabetically (byte order); a feature's index is its position;
//   - smooth IDF: idf(t) = ln((1 + n) / (1 + df(t))) + 1, n = number of training texts.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace rubrika::tfidf {

struct AnalyzerVocabulary {
  std::vector<std::string> features;               // index = feature id within the analyzer
  std::vector<double> idf;                         // one per feature
  std::unordered_map<std::string, int64_t> index;  // feature → id

  int64_t size() const { return static_cast<int64_t>(features.size()); }
  // The id of `gram`, or -1 when it is not in the vocabulary.
  int64_t find(const std::string& gram) const;
  // Rebuilds `index` from `features`.
  void build_index();
};

// Counts n-grams text by text, then selects the vocabulary.
class VocabularyBuilder {
 public:
  // One training text's n-gram occurrences (repeats allowed).
  void add_document(std::vector<std::string> grams);
  int64_t documents() const { return documents_; }
  AnalyzerVocabulary build(int64_t min_df, int64_t max_features) const;

 private:
  struct Counts {
    int64_t df = 0;     // texts containing the n-gram
    int64_t total = 0;  // occurrences over all texts
  };
  std::unordered_map<std::string, Counts> counts_;
  int64_t documents_ = 0;
};

// scikit-learn's smooth IDF for a term in `df` of `documents` texts.
double smooth_idf(int64_t documents, int64_t df);

}  // namespace rubrika::tfidf
