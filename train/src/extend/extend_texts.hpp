// The texts of an extension: the parent's splits, the labelled files of earlier extensions
// and the new file, merged by text, with what is known of each text's labels.
#pragma once

#include <rubrika/data/dataset.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/train/extend_run.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rubrika::detail {

enum class SplitPart { train, validation, test };

struct ExtendText {
  size_t text = 0;  // index into ExtendTexts::texts (features are computed per text)
  SplitPart split = SplitPart::train;
  bool from_parent = false;  // one of the parent's texts
  // Multi-label: 0/1 per run label, and whether it is known (an old label of a text only the
  // new file has, or an added label under ParentData::ignore, is not).
  std::vector<float> truth;
  std::vector<bool> known;
  int64_t label = -1;  // single-label: the class id among the run's labels
};

struct ExtendTexts {
  std::vector<std::string> labels;  // the run's: the parent's kept, then the added ones
  bool multi_label = false;
  std::vector<std::string> texts;  // distinct normalised texts
  std::vector<ExtendText> rows;    // one per example (a text may be in several splits)
  std::vector<std::string> ood;    // the parent's out-of-domain texts, normalised
  nlohmann::json counts;           // per split and label, for metrics.json

  std::vector<const ExtendText*> split(SplitPart part) const;
};

// Reads and merges the texts (see rubrika/train/extend_run.hpp for the rules). `manifest` is
// the parent's: its labels and lineage. Throws InputError for labels that cannot be added or
// removed, an added label without positives, or a label of the new file that the run does
// not have (naming its file:line).
ExtendTexts gather_extend_texts(const ExtendRequest& request, const RunManifest& manifest,
                                bool multi_label, const TextNormalizer& normalize);

}  // namespace rubrika::detail
