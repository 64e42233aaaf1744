#include <rubrika/serve/service.hpp>

#include <rubrika/serve/routes.hpp>
#include <rubrika/serve/serve_errors.hpp>

#include <rubrika/prediction_json.hpp>

#include <nlohmann/json.hpp>

namespace rubrika::serve {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

BatcherOptions batcher_options(const ServeOptions& o) {
  return {o.max_batch_size, o.max_batch_tokens, o.max_wait_ms, o.queue_capacity, o.workers};
}

RequestLimits request_limits(const ServeOptions& o) {
  return {o.max_body_bytes, o.max_texts_per_request, o.max_text_chars,
          o.on_long_text == LongText::truncate};
}

HttpResponse json_response(const json& body, int status = 200) {
  HttpResponse response;
  response.status = status;
  // Cyrillic and every other non-ASCII text as UTF-8 bytes, not \uXXXX escapes. The
  // strings are labels of the run or request text the JSON parser has already checked.
  response.body = body.dump(-1, ' ', /*ensure_ascii=*/false);
  return response;
}

// The metrics label of a request: its route's path, or "unmatched" (bounded label values).
std::string route_label(const std::string& path) {
  for (const auto& route : routes())
    if (route.path == path) return path;
  return "unmatched";
}

// The backend's prepare(), checked to give one PreparedText per text.
std::vector<PreparedText> prepare(const InferenceBackend& backend,
                                  const std::vector<std::string>& texts) {
  std::vector<PreparedText> prepared = backend.prepare(texts);
  if (prepared.size() != texts.size())
    throw std::runtime_error("backend prepared " + std::to_string(prepared.size()) + " texts of " +
                             std::to_string(texts.size()));
  return prepared;
}

}  // namespace

Service::Service(InferenceBackend& backend, ServeOptions options)
    : backend_(backend),
      options_(std::move(options)),
      limits_(request_limits(options_)),
      batcher_(backend, batcher_options(options_), &metrics_) {}

Service::~Service() { stop(); }

HttpResponse Service::handle(const HttpRequest& request) {
  const auto start = Clock::now();
  HttpResponse response;
  try {
    const Route& route = find_route(request.method, request.path);
    response = (this->*route.handler)(request);
  } catch (const std::exception& error) {
    response = error_response(error, static_cast<int>(options_.retry_after_s));
  } catch (...) {
    response = error_response(std::runtime_error("non-standard exception"), 0);
  }
  metrics_.count_request(route_label(request.path), response.status,
                         std::chrono::duration<double>(Clock::now() - start).count());
  return response;
}

void Service::warm_up() {
  ClassifyRequest request;
  request.texts = {"Проверка связи: прогрев модели перед первым запросом."};
  predict(request);
  ready_ = true;
}

void Service::begin_drain() { draining_ = true; }

void Service::stop() {
  draining_ = true;
  batcher_.stop();
}

std::vector<Prediction> Service::predict(const ClassifyRequest& request) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
  PredictOptions options = request.options;
  options.timings = true;  // always measured, for the stage histograms
  // Normalised and tokenised here, once; the batcher and the backend use what this gives.
  std::vector<Prediction> predictions =
      batcher_.classify(prepare(backend_, request.texts), options, deadline);
  record(predictions);
  return predictions;
}

void Service::record(const std::vector<Prediction>& predictions) {
  int64_t reranked = 0, ood = 0, other = 0;
  for (const auto& p : predictions) {
    reranked += p.reranked ? 1 : 0;
    ood += p.ood.flag ? 1 : 0;
    other += p.is_other ? 1 : 0;
    for (const auto& [stage, ms] : p.timings_ms)
      if (stage != "queue") metrics_.observe_stage(stage, ms / 1000.0);  // queue: by the batcher
  }
  metrics_.count_texts(static_cast<int64_t>(predictions.size()), reranked, ood, other);
}

HttpResponse Service::classify(const HttpRequest& request) {
  const ClassifyRequest parsed = parse_classify(request.body, limits_, PredictOptions{}.top_k);
  json results = json::array();
  // The shape `rubrika predict` prints, built once; timings only when asked.
  for (const auto& prediction : predict(parsed))
    results.push_back(prediction_json(prediction, parsed.options.timings));
  return json_response({{"results", std::move(results)}});
}

HttpResponse Service::rerank(const HttpRequest& request) {
  if (!backend_.has_reranker())
    throw NotAvailableError("this pipeline has no reranker", "",
                            "train one with a [reranker] section");
  RerankRequest parsed = parse_rerank(request.body, limits_, backend_.labels());
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
  std::vector<PreparedText> prepared = prepare(backend_, {parsed.text});
  // Through the batcher like classify: the same queue, limits, deadline and model lock.
  const std::vector<double> scores =
      batcher_.rerank(std::move(prepared[0]), parsed.candidates, deadline);
  return json_response({{"candidates", std::move(parsed.candidates)}, {"scores", scores}});
}

HttpResponse Service::info(const HttpRequest&) {
  const PipelineInfo& info = backend_.info();
  json stages = json::array();
  for (const auto& [stage, component] : info.stages)
    stages.push_back({{"stage", stage}, {"component", component}});
  json serve = json::object();
  for (const auto& [key, value] : options_.to_toml()) {
    if (const auto* text = value.as_string()) serve[std::string(key.str())] = text->get();
    if (const auto* number = value.as_integer()) serve[std::string(key.str())] = number->get();
  }
  return json_response({{"format_version", info.format_version},
                        {"run_name", info.run_name},
                        {"recipe_hash", info.recipe_hash},
                        {"stages", stages},
                        {"labels", backend_.labels()},
                        {"task", info.multi_label ? "multi_label" : "single_label"},
                        {"multi_label", info.multi_label},
                        {"reranker", backend_.has_reranker()},
                        {"serve", serve}});
}

HttpResponse Service::healthz(const HttpRequest&) { return json_response({{"status", "alive"}}); }

HttpResponse Service::readyz(const HttpRequest&) {
  if (draining_) return json_response({{"status", "draining"}}, 503);
  if (!ready_) return json_response({{"status", "starting"}}, 503);
  return json_response({{"status", "ready"}});
}

HttpResponse Service::metrics(const HttpRequest&) {
  metrics_.set_queue_depth(batcher_.queue_depth());
  HttpResponse response;
  response.body = metrics_.render();
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

}  // namespace rubrika::serve
