// `rubrika extend`: a new run folder made from a trained one with labels added or removed,
// without retraining the encoder. The parent run folder is only read, never written.
//
//   rubrika extend runs/news --data data/news.jsonl --label-field all_labels \
//       --add-labels технологии,спорт --out runs/news_plus
//
// What it does, in order:
//   1. texts    the parent's own splits (re-read from its recipe's [data]) and the new file.
//               A text of the new file that the parent has keeps the parent's split; the
//               others are split with the parent's fractions and seed.
//   2. features the parent's encoder, frozen, runs once over every text (each window under
//               [long_text] windows); the vectors are cached in features.h5 of the new run
//               and reused when the same text comes again (--force into the same folder).
//   3. head     a head for the added labels alone is trained on the cached features; the
//               parent's head (and the heads of earlier extensions) stay as they are and the
//               run's head gathers the columns by label name (rubrika/extended_head.hpp).
//   4. refit    multi-label: a per-label calibrator and a threshold for each added label,
//               the old labels' calibration and thresholds copied bit for bit. Single-label:
//               the softmax gained rows, so the temperature is refitted on validation. OOD
//               scorers are refitted on the new label set (their class means and threshold).
//   5. write    the run folder, written next to its final place and renamed into it, with
//               its lineage in pipeline.toml and metrics.json "extend".
//
// Negatives (ParentData::use, the default): a multi-label parent's texts are negatives for
// every added label unless the new file lists the same text, whose labels then decide; a
// single-label parent's texts are replayed with their classes, so the added rows learn to
// stay low on the old classes. ParentData::ignore trains the added labels on the new file
// alone. Removing a label drops its column from the head, the calibrator, the thresholds,
// the OOD classes and the label map; its texts leave a single-label run's data.
#pragma once

#include <rubrika/data/dataset_options.hpp>
#include <rubrika/enum_names.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

class PluginRegistry;

// Whether the parent's training texts take part in training the added labels.
enum class ParentData { use, ignore };
inline constexpr EnumName<ParentData> kParentDataNames[] = {{"use", ParentData::use},
                                                            {"ignore", ParentData::ignore}};

// How the added labels' head is trained (on cached features, so epochs are cheap).
struct ExtendOptions {
  std::vector<std::string> add;     // labels to add: each must be new and have positives
  std::vector<std::string> remove;  // labels to remove: each must be one of the parent's
  ParentData parent_data = ParentData::use;
  // Head plugin of the added labels. Empty: multi-label, the parent's, with its options;
  // single-label, "multilabel" (one linear logit per added label) on the parent's vector.
  std::string head;
  int64_t epochs = 40;  // at most; stops after `patience` epochs without gain
  int64_t patience = 5;
  int64_t batch_size = 64;
  double learning_rate = 5e-3;
  double weight_decay = 1e-4;
  uint64_t seed = 42;
};

struct ExtendRequest {
  std::filesystem::path parent;  // a trained (or already extended) run folder
  std::filesystem::path out;     // the new run folder
  std::filesystem::path data;    // labelled file with the added labels; empty: remove only
  DatasetOptions parent_data;    // how the parent read its data (its recipe.toml [data])
  DatasetOptions new_data;       // how `data` is read (the parent's fields unless overridden)
  ExtendOptions options;
  std::string device = "auto";
  bool force = false;  // replace an existing `out` (never the parent)
};

// Makes request.out. Returns metrics.json's "extend" section (timings, per-label figures
// of old and added labels, the check that old labels answer as the parent did). Throws
// InputError for unknown, duplicate or missing labels and bad rows of the new file (naming
// file:line), ArtifactError for a broken parent, IoError when `out` exists without force.
nlohmann::json extend_run(const ExtendRequest& request, PluginRegistry& registry);

}  // namespace rubrika
