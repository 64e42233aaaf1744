#include "eval_multilabel.hpp"

#include "input_files.hpp"

#include <rubrika/error.hpp>
#include <rubrika/multilabel_evaluation.hpp>
#include <rubrika/pipeline.hpp>

#include <iomanip>
#include <iostream>

namespace rubrika::cli {
namespace {

std::vector<bool> truth_of(const LabelSet& labels, const std::vector<std::string>& names,
                           const std::string& origin) {
  std::vector<bool> row(static_cast<size_t>(labels.size()), false);
  for (const auto& name : names)
    row[static_cast<size_t>(run_label_id(labels, name, origin))] = true;
  return row;
}

// Predictions of every text in batches, with the probabilities and the answered labels.
struct Answers {
  std::vector<std::vector<double>> probabilities;
  std::vector<std::vector<bool>> answered;
  size_t other = 0, ood_flagged = 0;
};

Answers answer_all(Pipeline& pipeline, const std::vector<std::string>& texts, int64_t batch) {
  Answers out;
  PredictOptions options;
  options.rerank = RerankMode::never;
  for (size_t begin = 0; begin < texts.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(texts.size(), begin + static_cast<size_t>(batch));
    const std::vector<std::string> chunk(texts.begin() + static_cast<long>(begin),
                                         texts.begin() + static_cast<long>(end));
    for (const Prediction& p : pipeline.predict(chunk, options)) {
      check_answered(p, "eval");
      std::vector<double> probabilities;
      std::vector<bool> on;
      for (const auto& label : p.label_scores) {
        probabilities.push_back(label.p);
        on.push_back(label.on);
      }
      out.probabilities.push_back(std::move(probabilities));
      out.answered.push_back(std::move(on));
      out.other += p.is_other;
      out.ood_flagged += p.ood.flag;
    }
  }
  return out;
}

}  // namespace

MultiLabelTexts multilabel_test_split(Pipeline& pipeline, const DatasetOptions& options,
                                      const std::string& description) {
  Dataset dataset = load_dataset(options, raw_if_not_empty(pipeline));
  if (dataset.labels.names() != pipeline.labels().names())
    throw ArtifactError("the run's data files no longer give the labels it was trained on",
                        options.train.string(), "evaluate on a file with --data FILE");
  MultiLabelTexts out;
  out.description = description;
  out.texts = std::move(dataset.test.texts);
  out.truth = truth_rows(dataset.test.multi_hot);
  out.skipped_empty = dataset.skipped_empty;
  return out;
}

MultiLabelTexts multilabel_file(Pipeline& pipeline, const std::string& file,
                                const DatasetOptions& options, TextFileFormat format) {
  TextFile read = read_text_file(file, options, raw_if_not_empty(pipeline), true, format);
  if (!read.has_labels)
    throw InputError("the file has no labels (field '" + options.label_field + "')", file,
                     "pass --ood to score its texts as out-of-domain, or name the label field "
                     "with --label-field NAME");
  MultiLabelTexts out;
  out.description = file;
  out.skipped_empty = read.skipped_empty;
  out.texts = std::move(read.texts);
  for (size_t i = 0; i < read.label_sets.size(); ++i)
    out.truth.push_back(truth_of(pipeline.labels(), read.label_sets[i], read.origins[i]));
  return out;
}

nlohmann::json evaluate_multilabel(Pipeline& pipeline, const MultiLabelTexts& data,
                                   int64_t batch_size) {
  if (data.texts.empty()) throw InputError("no texts to evaluate", data.description);
  const Answers answers = answer_all(pipeline, data.texts, batch_size);
  nlohmann::json out = multilabel_evaluation_json(pipeline.labels().names(), answers.probabilities,
                                                  data.truth, pipeline.label_thresholds());
  const auto n = static_cast<double>(data.texts.size());
  out.update(
      {{"task", "multi_label"},
       {"data", data.description},
       {"texts", data.texts.size()},
       {"skipped_empty", data.skipped_empty},
       {"other_rate", static_cast<double>(answers.other) / n},
       {"ood_flag_rate", static_cast<double>(answers.ood_flagged) / n},
       {"answered", label_set_json(metrics::label_set_figures(answers.answered, data.truth))}});
  return out;
}

void print_multilabel_summary(const nlohmann::json& j, const std::filesystem::path& run_dir) {
  const auto& tuned = j["tuned"];
  const auto& half = j["at_0_5"];
  std::cout << std::fixed << std::setprecision(4) << "run          " << run_dir.string() << "\n"
            << "data         " << j["data"].get<std::string>() << ": " << j["texts"] << " texts ("
            << j["skipped_empty"] << " skipped as empty), multi-label\n"
            << "thresholds   macro-F1 " << tuned["macro_f1"].get<double>() << "  micro-F1 "
            << tuned["micro_f1"].get<double>() << "  subset accuracy "
            << tuned["subset_accuracy"].get<double>() << "  Hamming loss "
            << tuned["hamming_loss"].get<double>() << "\n"
            << "at 0.5       macro-F1 " << half["macro_f1"].get<double>() << "  micro-F1 "
            << half["micro_f1"].get<double>() << "\n"
            << "answered     macro-F1 " << j["answered"]["macro_f1"].get<double>()
            << "  (OOD-rejected texts have no label: " << j["other_rate"].get<double>() * 100
            << "% of texts)\n"
            << "label          AUROC   F1(tuned)  F1(0.5)  threshold  support\n";
  for (const auto& [label, s] : j["per_label"].items())
    std::cout << std::left << std::setw(15) << label << std::right << std::setw(7)
              << (s["roc_auc"].is_number() ? s["roc_auc"].get<double>() : 0.0) << std::setw(11)
              << s["tuned"]["f1"].get<double>() << std::setw(9) << s["at_0_5"]["f1"].get<double>()
              << std::setw(11) << s["threshold"].get<double>() << std::setw(9) << s["support"]
              << "\n";
}

}  // namespace rubrika::cli
