#include <rubrika/evaluation.hpp>

#include <rubrika/error.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
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

// Share of `texts` the pipeline answers with the "Other" label (no reranking: rejection
// reads the classifier's top-1, whatever the reranker would choose).
double other_rate(Pipeline& pipeline, const std::vector<std::string>& texts, size_t batch) {
  PredictOptions predict;
  predict.top_k = 1;
  predict.rerank = RerankMode::never;
  size_t other = 0;
  for (size_t begin = 0; begin < texts.size(); begin += batch) {
    const std::vector<std::string> chunk(texts.begin() + begin,
                                         texts.begin() + std::min(texts.size(), begin + batch));
    for (const auto& p : pipeline.predict(chunk, predict)) {
      check_answered(p, "eval");
      other += p.is_other;
    }
  }
  return static_cast<double>(other) / static_cast<double>(texts.size());
}

// Scores and flags of every scorer for one set of raw texts.
struct ScoredTexts {
  std::vector<std::vector<double>> scores;  // [scorer][text]
  std::vector<std::vector<bool>> flags;     // [scorer][text]
};

ScoredTexts score_all(Pipeline& pipeline, const std::vector<std::string>& texts,
                      int64_t batch_size) {
  std::vector<std::string> normalized;
  normalized.reserve(texts.size());
  for (const auto& text : texts) normalized.push_back(pipeline.normalize(text));
  const ForwardResult forward = pipeline.forward_all(normalized, batch_size);
  const OodInputs inputs{&forward.encoded, forward.logits, forward.probabilities};
  ScoredTexts out;
  for (const auto& [name, scorer] : pipeline.ood_scorers()) {
    const torch::Tensor scores = scorer->score(inputs);
    out.scores.push_back(metrics::to_doubles(scores));
    out.flags.push_back(metrics::to_bools(scorer->flag(inputs, scores)));
  }
  return out;
}

}  // namespace

OodEvaluation evaluate_ood(Pipeline& pipeline, const std::vector<std::string>& in_domain_texts,
                           const std::vector<std::string>& ood_texts,
                           const EvaluationOptions& options) {
  if (pipeline.ood_scorers().empty())
    throw ArtifactError("the run has no OOD scorer, so there is nothing to score", "pipeline.toml",
                        "train it with an [ood] section");
  if (in_domain_texts.empty()) throw InputError("no in-domain texts to compare with", "eval --ood");
  if (ood_texts.empty()) throw InputError("no out-of-domain texts to score", "eval --ood");
  const int64_t batch_size = std::max<int64_t>(1, options.batch_size);
  const ScoredTexts in = score_all(pipeline, in_domain_texts, batch_size);
  const ScoredTexts ood = score_all(pipeline, ood_texts, batch_size);
  OodEvaluation r;
  r.in_domain_texts = in_domain_texts.size();
  r.ood_texts = ood_texts.size();
  const auto& scorers = pipeline.ood_scorers();
  for (size_t i = 0; i < scorers.size(); ++i) {
    OodScorerEvaluation e;
    e.name = scorers[i].first;
    e.primary = i == 0;
    e.report = metrics::ood_report(in.scores[i], ood.scores[i]);
    e.rates = metrics::rates_from_flags(in.flags[i], ood.flags[i]);
    r.scorers.push_back(std::move(e));
  }
  const size_t batch = static_cast<size_t>(batch_size);
  r.ood_other_rate = other_rate(pipeline, ood_texts, batch);
  r.in_domain_other_rate = other_rate(pipeline, in_domain_texts, batch);
  return r;
}

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
    for (size_t i = 0; i < predictions.size(); ++i) {
      check_answered(predictions[i], "eval, text " + std::to_string(begin + i + 1));
      record(predictions[i], labels[begin + i], label_set, a);
    }
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
