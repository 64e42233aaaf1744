#include <rubrika/prediction.hpp>

#include <nlohmann/json.hpp>

namespace rubrika {

std::string to_json(const Prediction& p) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& item : p.top_k) top.push_back({{"label", item.label}, {"p", item.p}});
  nlohmann::json out = {
      {"label", p.label},
      {"confidence", p.confidence},
      {"other", p.is_other},
      {"top_k", top},
      {"ood", {{"score", p.ood.score}, {"flag", p.ood.flag}, {"scorer", p.ood.scorer}}},
      {"reranked", p.reranked}};
  if (p.reranked) out["label_before_rerank"] = p.label_before_rerank;
  if (!p.timings_ms.empty()) out["timings_ms"] = p.timings_ms;
  return out.dump();
}

}  // namespace rubrika
