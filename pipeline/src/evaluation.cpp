#include <rubrika/evaluation.hpp>

#include <rubrika/error.hpp>
#include <rubrika/pipeline.hpp>

#include <algorithm>

namespace rubrika {

namespace {

// Per-text facts gathered from the predictions.
struct Answers {
  std::vector<int64_t> classifier, final_labels;
  std::vector<std::vector<double>> probabilities;  // calibrated, in label-id order
  size_t other = 0, ood_flagged = 0, reranked = 0, fixed = 0, broke = 0;
};

std::vector<double> probabilities_in_label_order(const Prediction& p, const LabelSet& labels) {
  std::vector<double> row(static_cast<size_t>(labels.size()), 0.0);
  for (const auto& entry : p.top_k) row[static_cast<size_t>(labels.id(entry.label))] = entry.p;
  return row;
}

void record(const Prediction& p, int64_t truth, const LabelSet& labels, Answers& a) {
  const int64_t other_class = labels.size();
  const int64_t before = labels.id(p.reranked ? p.label_before_rerank : p.top_k.front().label);
  const int64_t after = p.is_other ? other_class : labels.id(p.label);
  a.classifier.push_back(before);
  a.final_labels.push_back(after);
  a.probabilities.push_back(probabilities_in_label_order(p, labels));
  a.other += p.is_other;
  a.ood_flagged += p.ood.flag;
  if (!p.reranked) return;
  ++a.reranked;
  // A rejected text is "Other" whatever the reranker chose (rejection reads the classifier's
  // top-1 probability), so the reranker neither fixed nor broke it.
  if (p.is_other) return;
  const int64_t reranked_label = labels.id(p.label);
  a.fixed += before != truth && reranked_label == truth;
  a.broke += before == truth && reranked_label != truth;
}

void check_inputs(const std::vector<std::string>& texts, const std::vector<int64_t>& labels,
                  int64_t num_labels) {
  if (texts.empty()) throw InputError("no texts to evaluate", "eval");
  if (texts.size() != labels.size())
    throw InputError(
        std::to_string(texts.size()) + " texts but " + std::to_string(labels.size()) + " labels",
        "eval");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= num_labels)
      throw InputError("label id " + std::to_string(labels[i]) + " out of range",
                       "eval, text " + std::to_string(i + 1));
}

}  // namespace

EvaluationResult evaluate_pipeline(Pipeline& pipeline, const std::vector<std::string>& texts,
                                   const std::vector<int64_t>& labels,
                                   const EvaluationOptions& options) {
  const LabelSet& label_set = pipeline.labels();
  check_inputs(texts, labels, label_set.size());
  PredictOptions predict;
  predict.top_k = label_set.size();  // every probability, for the calibration figures
  predict.rerank = options.rerank;
  Answers a;
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t begin = 0; begin < texts.size(); begin += batch) {
    const size_t end = std::min(texts.size(), begin + batch);
    const std::vector<std::string> chunk(texts.begin() + begin, texts.begin() + end);
    const auto predictions = pipeline.predict(chunk, predict);
    for (size_t i = 0; i < predictions.size(); ++i)
      record(predictions[i], labels[begin + i], label_set, a);
  }
  EvaluationResult r;
  r.texts = texts.size();
  r.classifier = metrics::classification_report(a.classifier, labels, label_set.size());
  r.final_labels = metrics::classification_report(a.final_labels, labels, label_set.size() + 1);
  r.calibration = metrics::calibration_report(a.probabilities, labels);
  const double n = static_cast<double>(texts.size());
  r.other_rate = a.other / n;
  r.ood_flag_rate = a.ood_flagged / n;
  r.reranked = a.reranked;
  r.rerank_fixed = a.fixed;
  r.rerank_broke = a.broke;
  return r;
}

}  // namespace rubrika
