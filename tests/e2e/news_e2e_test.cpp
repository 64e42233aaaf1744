// The second use, small: `rubrika train` on recipes/news_multilabel.toml with less data and
// fewer epochs (multi-label news topics, long texts as windows), then what a user of a
// multi-label run relies on: per-label thresholds that beat 0.5, every label's AUROC, OOD
// AUROC on the non-news set, and `serve` answering the same label lists as `predict`.
#include "server_process.hpp"
#include "test_process.hpp"

#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;
const fs::path kRecipe = fs::path(RUBRIKA_SOURCE_DIR) / "recipes" / "news_multilabel.toml";
const std::vector<std::string> kTopics = {"политика", "экономика", "культура"};

fs::path work_dir() {
  static const fs::path dir = testing::process_work_dir("rubrika_news_e2e");
  return dir;
}

fs::path run_dir() { return work_dir() / "news"; }

// The recipe, smaller: 1000 items, two epochs, windows of 64 tokens.
std::vector<std::string> small_run() {
  const fs::path d = work_dir();
  std::vector<std::string> args = {kCli, "train", kRecipe.string()};
  const std::vector<std::string> settings = {"run.name=news",
                                             "run.output_dir=" + d.string(),
                                             "data.train=" + (d / "news.jsonl").string(),
                                             "data.ood=" + (d / "news_ood.jsonl").string(),
                                             "data.synth.n=1000",
                                             "data.synth.ood_n=200",
                                             "data.split=[0.6, 0.2, 0.2]",
                                             "encoder.max_length=64",
                                             "train.epochs=2"};
  for (const auto& setting : settings) {
    args.push_back("--set");
    args.push_back(setting);
  }
  return args;
}

nlohmann::json metrics() {
  std::ifstream in(run_dir() / "metrics.json");
  return nlohmann::json::parse(in);
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

void check_metrics() {
  const auto m = metrics();
  ASSERT_TRUE(m.contains("multilabel")) << m.dump(1).substr(0, 2000);
  const auto& test = m["multilabel"]["test"];
  EXPECT_GE(test["tuned"]["macro_f1"].get<double>(), test["at_0_5"]["macro_f1"].get<double>())
      << "thresholds tuned on validation do at least as well as 0.5 on test";
  for (const auto& topic : kTopics) {
    ASSERT_TRUE(test["per_label"].contains(topic)) << topic;
    const auto& label = test["per_label"][topic];
    ASSERT_TRUE(label["roc_auc"].is_number()) << topic;
    EXPECT_GT(label["roc_auc"].get<double>(), 0.5) << topic;
    EXPECT_TRUE(label["average_precision"].is_number()) << topic;
    EXPECT_GT(label["threshold"].get<double>(), 0.0) << topic;
    EXPECT_FALSE(label["roc"]["fpr"].empty()) << topic;
    EXPECT_TRUE(m["calibration"]["per_label"].contains(topic)) << topic;
  }
  EXPECT_TRUE(m["calibration"]["multi_label"].get<bool>());
  EXPECT_TRUE(m["ood"]["scorers"]["mahalanobis"]["auroc"].is_number());
  EXPECT_TRUE(m["baseline"]["multi_label"].get<bool>());
  EXPECT_TRUE(m["baseline"]["multilabel"]["test"]["per_label"].contains("культура"));
  EXPECT_FALSE(m.contains("reranker") && m["reranker"].value("used", true))
      << "multi-label runs have no reranker";
  EXPECT_TRUE(fs::exists(run_dir() / "report.html"));
}

// `predict` and `serve` answer the same label lists, and a text with no topic is answered
// with no label rather than the most probable one.
void check_predict_and_serve_agree() {
  const std::vector<std::string> texts = {
      "Правительство обсудило новые санкции и их влияние на экономику и курс рубля",
      "В театре прошла премьера спектакля, критики хвалят режиссёра",
      "Завтра в городе ожидается дождь и сильный ветер, температура около нуля"};
  std::vector<std::string> args = {kCli, "predict", run_dir().string()};
  args.insert(args.end(), texts.begin(), texts.end());
  auto predicted = run_process(args);
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto expected = json_lines(predicted.out);
  ASSERT_EQ(expected.size(), texts.size()) << predicted.out;
  for (const auto& p : expected) {
    ASSERT_TRUE(p.contains("labels")) << p.dump();
    EXPECT_EQ(p["label_scores"].size(), kTopics.size()) << p.dump();
  }

  auto server = serve::testing::ServerProcess::start(
      {kCli, "serve", run_dir().string(), "--host", "127.0.0.1", "--port", "0"});
  ASSERT_TRUE(server->wait_ready()) << server->output();
  httplib::Client client(server->host(), server->port());
  auto info = client.Get("/v1/info");
  ASSERT_TRUE(info);
  EXPECT_TRUE(nlohmann::json::parse(info->body)["multi_label"].get<bool>()) << info->body;
  auto response =
      client.Post("/v1/classify", nlohmann::json{{"texts", texts}}.dump(), "application/json");
  ASSERT_TRUE(response) << server->output();
  ASSERT_EQ(response->status, 200) << response->body;
  const auto body = nlohmann::json::parse(response->body);
  ASSERT_EQ(body["results"].size(), expected.size()) << response->body;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(body["results"][i]["labels"], expected[i]["labels"]) << i;
    for (size_t j = 0; j < kTopics.size(); ++j)
      EXPECT_NEAR(body["results"][i]["label_scores"][j]["p"].get<double>(),
                  expected[i]["label_scores"][j]["p"].get<double>(), 1e-5);
  }
  server->send_signal(SIGTERM);
  EXPECT_EQ(server->wait_exit(std::chrono::seconds(30)), std::optional<int>(0));
}

// `eval --data` on a multi-label file gives the per-label figures at the run's thresholds.
void check_eval_on_a_file() {
  auto r = run_process(
      {kCli, "eval", run_dir().string(), "--data", (work_dir() / "news.jsonl").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["task"], "multi_label");
  EXPECT_EQ(report["texts"].get<int64_t>(), 1000);
  for (const auto& topic : kTopics) EXPECT_TRUE(report["per_label"].contains(topic)) << topic;
}

TEST(NewsMultiLabel, TrainEvaluatePredictAndServe) {
  auto trained = run_process(small_run());
  ASSERT_EQ(trained.exit_code, 0) << trained.err.substr(
      trained.err.size() > 6000 ? trained.err.size() - 6000 : 0);
  check_metrics();
  check_predict_and_serve_agree();
  check_eval_on_a_file();
  fs::remove_all(work_dir());
}

}  // namespace
}  // namespace rubrika
