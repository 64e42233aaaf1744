// A prediction as a JSON value, for callers that put it inside a larger document (the
// server's {"results": [...]}) and so need no dump → parse round trip. to_json() in
// prediction.hpp is this value, dumped.
#pragma once

#include <rubrika/prediction.hpp>

#include <nlohmann/json.hpp>

namespace rubrika {

// {"label", "confidence", "other", "top_k": [{"label", "p"}], "ood": {"score", "flag",
// "scorer"}, "reranked", ["label_before_rerank"], ["timings_ms"]}, or for a multi-label
// prediction {"labels", "label_scores": [{"label", "p", "threshold", "on"}], "other", "ood",
// ["timings_ms"]}; timings_ms only when the prediction has timings and `with_timings` is true.
nlohmann::json prediction_json(const Prediction& prediction, bool with_timings = true);

}  // namespace rubrika
