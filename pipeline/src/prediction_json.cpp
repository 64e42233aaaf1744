#include <rubrika/prediction_json.hpp>

namespace rubrika {

namespace {

nlohmann::json ood_json(const OodResult& ood) {
  return {{"score", ood.score}, {"flag", ood.flag}, {"scorer", ood.scorer}};
}

// A multi-label answer: the labels on (possibly none) and every label's probability and
// threshold, so a caller sees how close an off label came.
nlohmann::json multilabel_prediction_json(const Prediction& p) {
  nlohmann::json scores = nlohmann::json::array();
  for (const auto& s : p.label_scores)
    scores.push_back({{"label", s.label}, {"p", s.p}, {"threshold", s.threshold}, {"on", s.on}});
  return {{"labels", p.labels},
          {"label_scores", std::move(scores)},
          {"other", p.is_other},
          {"ood", ood_json(p.ood)}};
}

}  // namespace

void check_answered(const Prediction& prediction, const std::string& where) {
  if (!prediction.error.empty())
    throw ModelOutputError(prediction.error, where,
                           "its weights may be damaged, or it overflowed on this text; train the "
                           "run again");
}

nlohmann::json prediction_json(const Prediction& p, bool with_timings) {
  if (!p.error.empty()) return {{"error", {{"code", "model_output"}, {"message", p.error}}}};
  if (p.multi_label) {
    nlohmann::json out = multilabel_prediction_json(p);
    if (with_timings && !p.timings_ms.empty()) out["timings_ms"] = p.timings_ms;
    return out;
  }
  nlohmann::json top = nlohmann::json::array();
  for (const auto& item : p.top_k) top.push_back({{"label", item.label}, {"p", item.p}});
  nlohmann::json out = {{"label", p.label},       {"confidence", p.confidence},
                        {"other", p.is_other},    {"top_k", std::move(top)},
                        {"ood", ood_json(p.ood)}, {"reranked", p.reranked}};
  if (p.reranked) out["label_before_rerank"] = p.label_before_rerank;
  if (with_timings && !p.timings_ms.empty()) out["timings_ms"] = p.timings_ms;
  return out;
}

std::string to_json(const Prediction& prediction) {
  // Labels are written as UTF-8, not \uXXXX escapes.
  return prediction_json(prediction).dump(-1, ' ', /*ensure_ascii=*/false);
}

}  // namespace rubrika
