#include "tfidf_vocabulary.hpp"

#include <algorithm>
#include <cmath>

namespace rubrika::tfidf {

int64_t AnalyzerVocabulary::find(const std::string& gram) const {
  const auto it = index.find(gram);
  return it == index.end() ? -1 : it->second;
}

void AnalyzerVocabulary::build_index() {
  index.clear();
  index.reserve(features.size());
  for (size_t i = 0; i < features.size(); ++i) index.emplace(features[i], static_cast<int64_t>(i));
}

double smooth_idf(int64_t documents, int64_t df) {
  return std::log((1.0 + static_cast<double>(documents)) / (1.0 + static_cast<double>(df))) + 1.0;
}

void VocabularyBuilder::add_document(std::vector<std::string> grams) {
  ++documents_;
  std::sort(grams.begin(), grams.end());
  for (size_t i = 0; i < grams.size();) {
    size_t j = i;
    while (j < grams.size() && grams[j] == grams[i]) ++j;
    Counts& c = counts_[grams[i]];
    c.df += 1;
    c.total += static_cast<int64_t>(j - i);
    i = j;
  }
}

AnalyzerVocabulary VocabularyBuilder::build(int64_t min_df, int64_t max_features) const {
  std::vector<std::pair<const std::string*, const Counts*>> kept;
  for (const auto& [gram, c] : counts_)
    if (c.df >= min_df) kept.emplace_back(&gram, &c);
  if (static_cast<int64_t>(kept.size()) > max_features) {
    // Most frequent first (scikit-learn's _limit_features keeps the top corpus counts).
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
      return a.second->total != b.second->total ? a.second->total > b.second->total
                                                : *a.first < *b.first;
    });
    kept.resize(static_cast<size_t>(max_features));
  }
  std::sort(kept.begin(), kept.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  AnalyzerVocabulary vocabulary;
  for (const auto& [gram, c] : kept) {
    vocabulary.features.push_back(*gram);
    vocabulary.idf.push_back(smooth_idf(documents_, c->df));
  }
  vocabulary.build_index();
  return vocabulary;
}

}  // namespace rubrika::tfidf
