// Test backends for the server: deterministic predictions and rerank scores, an optional
// delay per batch (to create overload), an optional gate that holds predict() and rerank()
// until released (to make queue states deterministic), and a failure mode. They count the
// texts they prepare and record every batch they see.
//
// For reloads, a FakeBackend can carry an identity of its own (labels, run folder, run id,
// and a token offset that stands for its vocabulary), and FakeRunLoader builds such
// backends from fake run folder names.
#pragma once

#include <rubrika/serve/inference_backend.hpp>
#include <rubrika/serve/reload.hpp>

#include <rubrika/error.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rubrika::serve::testing {

struct SeenBatch {
  std::vector<std::string> texts;  // normalised (the fake's normalisation keeps the text)
  PredictOptions options;
};

struct SeenRerank {
  std::vector<std::string> texts;  // one per pair
  std::vector<std::string> candidates;
};

// Who a FakeBackend is. The defaults are the plain fake every older test uses.
struct FakeIdentity {
  std::vector<std::string> labels = {"Авто", "Недвижимость", "Работа"};
  std::string run_name = "fake-run";
  std::string run_dir;  // PipelineInfo::run_dir
  std::string run_id;   // PipelineInfo::run_id
  // Added to every token count: this backend's "vocabulary". When > 0, predict() refuses a
  // text whose count is not its own — one another backend prepared.
  int64_t token_offset = 0;
};

class FakeBackend : public InferenceBackend {
 public:
  explicit FakeBackend(bool with_reranker = true) : FakeBackend(FakeIdentity{}, with_reranker) {}
  explicit FakeBackend(FakeIdentity identity, bool with_reranker = true)
      : with_reranker_(with_reranker),
        labels_(identity.labels),
        token_offset_(identity.token_offset) {
    info_.format_version = 1;
    info_.run_name = identity.run_name;
    info_.recipe_hash = "0123abcd";
    info_.stages = {{"encoder", "encoder/fake 1.0"}, {"head", "head/fake 1.0"}};
    info_.labels = labels_;
    info_.run_dir = identity.run_dir;
    info_.run_id = identity.run_id;
  }

  // Normalisation keeps the text; tokens = words + 2 + token_offset (no tensors: this
  // backend's predict needs none).
  std::vector<PreparedText> prepare(const std::vector<std::string>& texts) const override {
    std::vector<PreparedText> out;
    for (const auto& text : texts) {
      PreparedText prepared;
      prepared.normalized = text;
      prepared.token_count = words(text) + 2 + token_offset_;
      out.push_back(std::move(prepared));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    prepared_ += static_cast<int64_t>(texts.size());
    return out;
  }

  // Label = labels[words % 3]; p(top) = 0.7, then 0.2, 0.1 in label order after it.
  // "ood" in a text flags it; "other" makes it the Other label; rerank "always" reranks
  // to the second label.
  std::vector<Prediction> predict(const std::vector<PreparedText>& texts,
                                  const PredictOptions& options) override {
    std::vector<std::string> normalized;
    for (const auto& text : texts) {
      if (token_offset_ > 0 && text.token_count != words(text.normalized) + 2 + token_offset_)
        throw std::logic_error("a text prepared by another backend reached " + info_.run_name);
      normalized.push_back(text.normalized);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      batches_.push_back({normalized, options});
    }
    enter_and_wait();
    std::vector<Prediction> out;
    for (const auto& text : normalized) out.push_back(predict_one(text, options));
    return out;
  }

  // Score = bytes of the label + bytes of the text / 1000.
  std::vector<double> rerank(const std::vector<std::string>& normalized_texts,
                             const std::vector<std::string>& candidates) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reranks_.push_back({normalized_texts, candidates});
    }
    enter_and_wait();
    std::vector<double> out;
    for (size_t i = 0; i < candidates.size(); ++i)
      out.push_back(static_cast<double>(candidates[i].size()) +
                    static_cast<double>(normalized_texts[i].size()) / 1000.0);
    return out;
  }

  bool has_reranker() const override { return with_reranker_; }
  const PipelineInfo& info() const override { return info_; }
  const std::vector<std::string>& labels() const override { return labels_; }

  void set_delay_ms(int64_t ms) { delay_ms_ = ms; }
  void set_throws(bool throws) { throws_ = throws; }
  void close_gate() {
    std::lock_guard<std::mutex> lock(mutex_);
    gate_open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gate_open_ = true;
    }
    gate_cv_.notify_all();
  }
  // Waits until predict() and rerank() have been entered `count` times in total.
  bool wait_entered(int count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return entered_cv_.wait_for(lock, timeout, [&] { return entered_ >= count; });
  }
  std::vector<SeenBatch> batches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batches_;
  }
  std::vector<SeenRerank> reranks() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reranks_;
  }
  // Texts prepare() has been given in total.
  int64_t prepared() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return prepared_;
  }

  static int64_t words(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    int64_t count = 0;
    while (in >> word) ++count;
    return count;
  }

 private:
  // What every model call does: count the entry, wait at the gate, sleep the delay, throw
  // when set to.
  void enter_and_wait() {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++entered_;
      entered_cv_.notify_all();
      gate_cv_.wait(lock, [&] { return gate_open_; });
    }
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    if (throws_) throw std::runtime_error("boom: secret internal detail");
  }

  Prediction predict_one(const std::string& text, const PredictOptions& options) const {
    const auto n = static_cast<int64_t>(labels_.size());
    const int64_t top = words(text) % n;
    const double p[] = {0.7, 0.2, 0.1};
    Prediction prediction;
    for (int64_t j = 0; j < std::min<int64_t>(options.top_k, n); ++j)
      prediction.top_k.push_back({labels_[static_cast<size_t>((top + j) % n)], p[j]});
    prediction.label = prediction.top_k[0].label;
    prediction.confidence = 0.7;
    prediction.ood = {text.find("ood") != std::string::npos ? 9.5 : 0.5,
                      text.find("ood") != std::string::npos, "fake"};
    if (options.rerank == RerankMode::always && with_reranker_) {
      prediction.reranked = true;
      prediction.label_before_rerank = prediction.label;
      prediction.label = labels_[static_cast<size_t>((top + 1) % n)];
      prediction.confidence = 0.2;
    }
    if (text.find("other") != std::string::npos) {
      prediction.is_other = true;
      prediction.label = "Другое";
    }
    if (options.timings) prediction.timings_ms = {{"normalize", 0.01}, {"forward", 1.0}};
    return prediction;
  }

  bool with_reranker_;
  std::vector<std::string> labels_;
  int64_t token_offset_;
  PipelineInfo info_;
  int64_t delay_ms_ = 0;
  bool throws_ = false;
  mutable std::mutex mutex_;
  std::condition_variable gate_cv_, entered_cv_;
  bool gate_open_ = true;
  int entered_ = 0;
  std::vector<SeenBatch> batches_;
  std::vector<SeenRerank> reranks_;
  mutable int64_t prepared_ = 0;
};

// Loads fake run folders. A folder's last path part NAME gives the labels "NAME/Авто",
// "NAME/Недвижимость", "NAME/Работа", run_name NAME and run_id "id-NAME-<load number>"; each
// load gets a token offset of its own. A folder whose NAME starts with "broken" fails as a
// missing pipeline.toml does (ArtifactError with the path); one starting with "slow"
// takes slow_load_ms to load; one starting with "failing" loads but fails its warm-up.
class FakeRunLoader {
 public:
  explicit FakeRunLoader(int64_t slow_load_ms = 0, int64_t predict_delay_ms = 0)
      : slow_load_ms_(slow_load_ms), predict_delay_ms_(predict_delay_ms) {}

  std::shared_ptr<InferenceBackend> load(const std::string& run_dir) {
    const std::string name = std::filesystem::path(run_dir).filename().string();
    const int number = ++loads_;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++loading_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !held_; });
    }
    if (name.rfind("broken", 0) == 0)
      throw ArtifactError("pipeline.toml not found", run_dir + "/pipeline.toml",
                          "train the run first");
    if (name.rfind("slow", 0) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(slow_load_ms_));
    FakeIdentity identity;
    for (auto& label : identity.labels) label = name + "/" + label;
    identity.run_name = name;
    identity.run_dir = run_dir;
    identity.run_id = "id-" + name + "-" + std::to_string(number);
    identity.token_offset = 100 * number;
    auto backend = std::make_shared<FakeBackend>(identity);
    backend->set_delay_ms(predict_delay_ms_);
    backend->set_throws(name.rfind("failing", 0) == 0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last_ = backend;
    }
    return backend;
  }

  // The loader a Service takes; this object must outlive it.
  BackendLoader loader() {
    return [this](const std::string& run_dir) { return load(run_dir); };
  }

  // Holds every load at its start until release_loads(), to keep a reload running.
  void hold_loads() {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = true;
  }
  void release_loads() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Waits until `count` loads have started in total.
  bool wait_loading(int count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return loading_ >= count; });
  }
  int loads() const { return loads_; }
  // The backend of the latest load while something still holds it, else null.
  std::shared_ptr<FakeBackend> last() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_.lock();
  }

 private:
  const int64_t slow_load_ms_;
  const int64_t predict_delay_ms_;
  std::atomic<int> loads_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool held_ = false;
  int loading_ = 0;
  std::weak_ptr<FakeBackend> last_;
};

}  // namespace rubrika::serve::testing
