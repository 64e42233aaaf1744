#include <rubrika/serve/service.hpp>

#include <rubrika/serve/routes.hpp>
#include <rubrika/serve/serve_errors.hpp>

#include <rubrika/log.hpp>
#include <rubrika/prediction_json.hpp>

#include <nlohmann/json.hpp>

namespace rubrika::serve {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

BatcherOptions batcher_options(const ServeOptions& o) {
  return {o.max_batch_size, o.max_batch_tokens, o.max_wait_ms,
          o.queue_capacity, o.workers,          o.max_queue_wait_ms};
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

// The metrics label of a request: its route's path, or "unmatched" (bounded label values;
// an admin route that is off is unmatched too).
std::string route_label(const std::string& path, bool admin_on) {
  for (const auto& route : routes())
    if (route.path == path && (admin_on || !route.admin)) return path;
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

json stages_json(const PipelineInfo& info) {
  json stages = json::array();
  for (const auto& [stage, component] : info.stages)
    stages.push_back({{"stage", stage}, {"component", component}});
  return stages;
}

// The `rubrika extend` steps that made the run, oldest first (LineageStep).
json lineage_json(const std::vector<LineageStep>& lineage) {
  json steps = json::array();
  for (const auto& step : lineage)
    steps.push_back({{"parent", step.parent},
                     {"parent_run_name", step.parent_run_name},
                     {"parent_recipe_hash", step.parent_recipe_hash},
                     {"added", step.added},
                     {"removed", step.removed},
                     {"data", step.data},
                     {"label_field", step.label_field},
                     {"created", step.created}});
  return steps;
}

json serve_options_json(const ServeOptions& options) {
  json serve = json::object();
  for (const auto& [key, value] : options.to_toml()) {
    if (const auto* text = value.as_string()) serve[std::string(key.str())] = text->get();
    if (const auto* number = value.as_integer()) serve[std::string(key.str())] = number->get();
  }
  return serve;
}

}  // namespace

Service::Service(std::shared_ptr<InferenceBackend> backend, ServeOptions options,
                 BackendLoader loader)
    : options_(std::move(options)),
      limits_(request_limits(options_)),
      slot_(std::move(backend)),
      reloader_(slot_, std::move(loader), metrics_),
      batcher_(batcher_options(options_), &metrics_) {}

// A shared_ptr that points at `backend` and owns nothing (the aliasing constructor over an
// empty owner): the caller keeps the backend alive.
Service::Service(InferenceBackend& backend, ServeOptions options)
    : Service(std::shared_ptr<InferenceBackend>(std::shared_ptr<void>(), &backend),
              std::move(options)) {}

Service::~Service() { stop(); }

HttpResponse Service::handle(const HttpRequest& request) {
  const auto start = Clock::now();
  const bool admin_on = !options_.admin_token.empty();
  HttpResponse response;
  try {
    const Route& route = find_route(request.method, request.path, admin_on);
    response = (this->*route.handler)(request);
  } catch (const std::exception& error) {
    response = error_response(error, static_cast<int>(options_.retry_after_s));
  } catch (...) {
    response = error_response(std::runtime_error("non-standard exception"), 0);
  }
  metrics_.count_request(route_label(request.path, admin_on), response.status,
                         std::chrono::duration<double>(Clock::now() - start).count());
  return response;
}

void Service::warm_up() {
  ClassifyRequest request;
  request.texts = {kWarmUpText};
  try {
    const auto deadline = Clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
    check_warm_up_answer(predict(slot_.current()->backend, request, deadline).at(0));
  } catch (const std::exception& error) {
    log_error("serve", std::string("warm-up failed, not becoming ready: ") + error.what());
    throw;
  }
  ready_ = true;
}

void Service::begin_drain() { draining_ = true; }

void Service::stop() {
  draining_ = true;
  batcher_.stop();
}

ReloadResult Service::reload(const std::string& run_dir) {
  if (draining_)
    throw OverloadError("the server is shutting down", "", "reload the instance that replaces it");
  return reloader_.reload(run_dir);
}

Clock::time_point Service::live_deadline(const HttpRequest& request) const {
  const auto now = Clock::now();
  const auto start = request.received_at == Clock::time_point{} ? now : request.received_at;
  const auto deadline = start + std::chrono::milliseconds(options_.request_timeout_ms);
  if (now >= deadline)
    throw DeadlineError("the request waited past its deadline of " +
                            std::to_string(options_.request_timeout_ms) + " ms before it started",
                        "", "the server is overloaded; retry later or raise request_timeout_ms");
  return deadline;
}

std::vector<Prediction> Service::predict(const std::shared_ptr<InferenceBackend>& backend,
                                         const ClassifyRequest& request,
                                         Clock::time_point deadline) {
  PredictOptions options = request.options;
  options.timings = true;  // always measured, for the stage histograms
  batcher_.check_room(static_cast<int64_t>(request.texts.size()));  // before any preparing
  // Normalised and tokenised here, once, by the backend that will compute the texts.
  std::vector<Prediction> predictions =
      batcher_.classify(backend, prepare(*backend, request.texts), options, deadline);
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
  const Clock::time_point deadline = live_deadline(request);
  const ClassifyRequest parsed = parse_classify(request.body, limits_, PredictOptions{}.top_k);
  const std::shared_ptr<const ServedBackend> served = slot_.current();
  json results = json::array();
  // The shape `rubrika predict` prints, built once; timings only when asked.
  for (const auto& prediction : predict(served->backend, parsed, deadline))
    results.push_back(prediction_json(prediction, parsed.options.timings));
  return json_response({{"results", std::move(results)}});
}

HttpResponse Service::rerank(const HttpRequest& request) {
  const Clock::time_point deadline = live_deadline(request);
  const std::shared_ptr<const ServedBackend> served = slot_.current();
  InferenceBackend& backend = *served->backend;
  if (!backend.has_reranker())
    throw NotAvailableError("this pipeline has no reranker", "",
                            "train one with a [reranker] section");
  RerankRequest parsed = parse_rerank(request.body, limits_, backend.labels());
  batcher_.check_room(static_cast<int64_t>(parsed.candidates.size()));  // before any preparing
  std::vector<PreparedText> prepared = prepare(backend, {parsed.text});
  // Through the batcher like classify: the same queue, limits, deadline and model lock.
  const std::vector<double> scores =
      batcher_.rerank(served->backend, std::move(prepared[0]), parsed.candidates, deadline);
  return json_response({{"candidates", std::move(parsed.candidates)}, {"scores", scores}});
}

HttpResponse Service::info(const HttpRequest&) {
  const std::shared_ptr<const ServedBackend> served = slot_.current();
  const InferenceBackend& backend = *served->backend;
  const PipelineInfo& info = backend.info();
  json serve = serve_options_json(options_);
  serve["admin_reload"] = !options_.admin_token.empty();  // on or off; never the token
  return json_response({{"format_version", info.format_version},
                        {"run_name", info.run_name},
                        {"recipe_hash", info.recipe_hash},
                        {"run_dir", served->run_dir},
                        {"run_id", info.run_id},
                        {"lineage", lineage_json(info.lineage)},
                        {"loaded_at", served->loaded_at},
                        {"reloads", slot_.reloads()},
                        {"stages", stages_json(info)},
                        {"labels", backend.labels()},
                        {"task", info.multi_label ? "multi_label" : "single_label"},
                        {"multi_label", info.multi_label},
                        {"reranker", backend.has_reranker()},
                        {"serve", serve}});
}

HttpResponse Service::healthz(const HttpRequest&) { return json_response({{"status", "alive"}}); }

HttpResponse Service::readyz(const HttpRequest&) {
  if (draining_) return json_response({{"status", "draining"}}, 503);
  if (!ready_) return json_response({{"status", "starting"}}, 503);
  // A balancer should send new work elsewhere while this queue is full.
  if (batcher_.full()) return json_response({{"status", "overloaded"}}, 503);
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
