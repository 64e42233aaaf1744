#include <rubrika/prediction_json.hpp>

namespace rubrika {

nlohmann::json prediction_json(const Prediction& p, bool with_timings) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& item : p.top_k) top.push_back({{"label", item.label}, {"p", item.p}});
  nlohmann::json out = {
      {"label", p.label},
      {"confidence", p.confidence},
      {"other", p.is_other},
      {"top_k", std::move(top)},
      {"ood", {{"score", p.ood.score}, {"flag", p.ood.flag}, {"scorer", p.ood.scorer}}},
      {"reranked", p.reranked}};
  if (p.reranked) out["label_before_rerank"] = p.label_before_rerank;
  if (with_timings && !p.timings_ms.empty()) out["timings_ms"] = p.timings_ms;
  return out;
}

std::string to_json(const Prediction& prediction) {
  // Labels are written as UTF-8, not \uXXXX escapes.
  return prediction_json(prediction).dump(-1, ' ', /*ensure_ascii=*/false);
}

}  // namespace rubrika
