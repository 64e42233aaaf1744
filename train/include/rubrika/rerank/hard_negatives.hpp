// Hard-negative mining for the cross-encoder, with sentence-transformers'
// mine_hard_negatives filters — but ranked by the classifier's own scores, so the
// negatives are exactly the confusions the cascade will send to the reranker.
//
// For each text: candidates are every label except the true one, ranked by score
// (highest first). A candidate is kept when all rules pass, in this order:
//   window       its rank r (0-based among negatives) satisfies range_min <= r < range_max
//   max_score    score <= max_score
//   absolute     score <= positive_score − absolute_margin
//   relative     score <= positive_score · (1 − relative_margin)
//   count        at most num_negatives kept per text (highest ranked first)
// The `random` strategy ranks candidates in a seeded random order instead (score rules
// still apply to their scores).
#pragma once

#include <rubrika/enum_names.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika {

// How candidates are ranked: by the classifier's scores, in a seeded random order, or by
// the similarity of each label's text to the true label's text.
enum class MiningStrategy { classifier, random, similar_labels };
inline constexpr EnumName<MiningStrategy> kMiningStrategyNames[] = {
    {"classifier", MiningStrategy::classifier},
    {"random", MiningStrategy::random},
    {"similar_labels", MiningStrategy::similar_labels}};

struct MiningOptions {
  MiningStrategy strategy = MiningStrategy::classifier;  // classifier | random | similar_labels
  int64_t num_negatives = 3;                             // kept per positive
  int64_t range_min = 0;         // skip the top range_min negatives (possible false negatives)
  int64_t range_max = 10;        // consider negatives ranked below this
  double max_score = 1e300;      // drop negatives scored above this
  double absolute_margin = 0.0;  // drop negatives within this of the positive's score (0 = off)
  double relative_margin = 0.0;  // drop negatives above positive · (1 − margin) (0 = off)
  uint64_t seed = 42;            // for the random strategy
};

struct MinedNegative {
  int64_t text = 0;    // index of the text
  int64_t label = 0;   // the negative label id
  int64_t rank = 0;    // its rank among the text's negatives (0 = highest scored)
  double score = 0.0;  // its score
};

struct MiningStats {
  int64_t texts = 0;
  int64_t candidates_seen = 0;
  int64_t kept = 0;
  int64_t dropped_window = 0;
  int64_t dropped_max_score = 0;
  int64_t dropped_absolute_margin = 0;
  int64_t dropped_relative_margin = 0;
  int64_t dropped_count = 0;
  int64_t texts_without_negative = 0;
};

// `scores` is row-major [texts × labels] (e.g. classifier probabilities, or for
// similar_labels the similarity of each label to the text's true label); `positives[i]`
// the true label of text i.
std::vector<MinedNegative> mine_hard_negatives(const std::vector<double>& scores,
                                               int64_t num_labels,
                                               const std::vector<int64_t>& positives,
                                               const MiningOptions& options, MiningStats& stats);

}  // namespace rubrika
