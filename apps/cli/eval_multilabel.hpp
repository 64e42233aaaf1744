// `rubrika eval` on a multi-label run: every text through Pipeline::predict (as `predict` and
// `serve` answer it), measured against its true label set at the run's own per-label
// thresholds and at 0.5, with the same figures as training's metrics.json "multilabel".
#pragma once

#include <rubrika/data/dataset.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {
class Pipeline;
}

namespace rubrika::cli {

struct MultiLabelTexts {
  std::string description;               // what was evaluated, for the output
  std::vector<std::string> texts;        // raw (predict normalises them)
  std::vector<std::vector<bool>> truth;  // [texts][labels] in the run's label order
  size_t skipped_empty = 0;
};

// The run's own test split (re-read and re-split as in training). Throws ArtifactError when
// the data no longer gives the run's labels.
MultiLabelTexts multilabel_test_split(Pipeline& pipeline, const DatasetOptions& options,
                                      const std::string& description);

// A labelled file (--data): labels as a JSONL list, an "a|b" string or 0/1 label_columns, as
// the run's [data] reads them. A label the run does not know is an InputError at its line.
MultiLabelTexts multilabel_file(Pipeline& pipeline, const std::string& file,
                                const DatasetOptions& options, TextFileFormat format);

// {"task": "multi_label", "data", "texts", "skipped_empty", "other_rate", "ood_flag_rate",
//  "answered": label-set figures of the labels the pipeline answered (rejections included),
//  plus every key of multilabel_evaluation_json on the calibrated probabilities}.
nlohmann::json evaluate_multilabel(Pipeline& pipeline, const MultiLabelTexts& data,
                                   int64_t batch_size);

void print_multilabel_summary(const nlohmann::json& report, const std::filesystem::path& run_dir);

}  // namespace rubrika::cli
