// The main job, small: `rubrika train` on the quickstart recipe with less data, then
// the quality gates a user relies on, `predict` on the run folder, and resume after a kill.
#include "server_process.hpp"
#include "test_process.hpp"

#include <httplib.h>
#include <rubrika/data/csv.hpp>
#include <rubrika/data/dataset.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/state/state_file.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <sstream>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace rubrika {
namespace {
namespace fs = std::filesystem;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;
const fs::path kRecipe = fs::path(RUBRIKA_SOURCE_DIR) / "recipes" / "quickstart.toml";

fs::path work_dir() {
  static const fs::path dir = testing::process_work_dir("rubrika_e2e");
  return dir;
}

// The quickstart, smaller: 3000 ads, 2 epochs, a small reranker set.
std::vector<std::string> small_run(const std::string& name) {
  const fs::path d = work_dir();
  return {kCli,
          "train",
          kRecipe.string(),
          "--set",
          "run.name=" + name,
          "--set",
          "run.output_dir=" + d.string(),
          "--set",
          "data.train=" + (d / "ads.csv").string(),
          "--set",
          "data.ood=" + (d / "ads_ood.csv").string(),
          "--set",
          "data.synth.n=3000",
          "--set",
          "data.synth.ood_n=400",
          "--set",
          "train.epochs=3",
          "--set",
          "train.checkpoint_every_steps=20",
          "--set",
          "reranker_train.max_train_texts=300"};
}

nlohmann::json metrics(const std::string& name) {
  std::ifstream in(work_dir() / name / "metrics.json");
  return nlohmann::json::parse(in);
}

void check_quality_gates() {
  const auto m = metrics("full");
  EXPECT_GE(m["classifier"]["test"]["macro_f1"].get<double>(), 0.9);
  EXPECT_LE(m["calibration"]["after"]["ece"].get<double>(),
            m["calibration"]["before"]["ece"].get<double>());
  EXPECT_GE(m["ood"]["scorers"]["mahalanobis"]["auroc"].get<double>(), 0.9);
  EXPECT_TRUE(m["ood"]["scorers"].contains("msp"));
  EXPECT_TRUE(m["ood"]["scorers"].contains("energy"));
  // The confidence gate only ever removes flags: without it at least as many OOD texts are
  // rejected, and at most as many in-domain texts accepted.
  const auto& maha = m["ood"]["scorers"]["mahalanobis"];
  ASSERT_TRUE(maha.contains("without_gate"));
  EXPECT_GE(maha["without_gate"]["ood_rejection"].get<double>(),
            maha["ood_rejection"].get<double>());
  // The default operating point (rule "tpr", 95% of validation kept) fires on OOD texts,
  // keeps most in-domain ones, and the chart's range includes the threshold.
  EXPECT_GT(maha["ood_rejection"].get<double>(), 0.0);
  EXPECT_GE(maha["in_domain_acceptance"].get<double>(), 0.9);
  EXPECT_TRUE(maha["warnings"].empty()) << maha["warnings"].dump();
  const auto& edges = maha["histogram"]["edges"];
  EXPECT_LE(edges.front().get<double>(), maha["threshold"].get<double>());
  EXPECT_GE(edges.back().get<double>(), maha["threshold"].get<double>());
  EXPECT_LE(maha["without_gate"]["in_domain_acceptance"].get<double>(),
            maha["in_domain_acceptance"].get<double>());
  const auto& low = m["reranker"]["ranking"]["low_margin"];
  if (low["n"].get<int64_t>() > 0)
    EXPECT_GE(low["top1_after"].get<double>(), low["top1_before"].get<double>());
  EXPECT_LE(m["reranker"]["cascade"]["trigger_rate"].get<double>(),
            m["reranker"]["cascade"]["budget"].get<double>() + 0.05);
  EXPECT_TRUE(fs::exists(work_dir() / "full" / "report.html"));
  {
    std::ifstream page(work_dir() / "full" / "report.html");
    const std::string html((std::istreambuf_iterator<char>(page)),
                           std::istreambuf_iterator<char>());
    EXPECT_NE(html.find("<th>finished</th><td>20"), std::string::npos)
        << "the report shows when the run ended";
  }
  EXPECT_TRUE(fs::exists(work_dir() / "full" / "encoder" / "config.json"));
  EXPECT_TRUE(fs::exists(work_dir() / "full" / "state.h5"));
}

void check_predict() {
  auto r = run_process({kCli, "predict", (work_dir() / "full").string(),
                        "Продаю диван угловой, почти новый, самовывоз",
                        "Ищу работу водителем, опыт 10 лет"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    auto p = nlohmann::json::parse(line);
    EXPECT_TRUE(p.contains("label"));
    EXPECT_EQ(p["top_k"].size(), 5u);
    EXPECT_TRUE(p["ood"].contains("score"));
    ++count;
  }
  EXPECT_EQ(count, 2);
  auto bad = run_process({kCli, "predict", (work_dir() / "no_such_run").string(), "текст"});
  EXPECT_EQ(bad.exit_code, 7);  // ArtifactError
  EXPECT_NE(bad.err.find("run folder not found"), std::string::npos);
}

// `rubrika serve` answers /v1/classify with exactly what `rubrika predict` prints.
void check_serve_matches_predict() {
  const std::vector<std::string> texts = {"Продаю диван угловой, почти новый",
                                          "Сдаю квартиру у метро на год", "Ищу работу водителем"};
  std::vector<std::string> args = {kCli, "predict", (work_dir() / "full").string()};
  args.insert(args.end(), texts.begin(), texts.end());
  auto predicted = run_process(args);
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  std::vector<nlohmann::json> expected;
  std::istringstream lines(predicted.out);
  for (std::string line; std::getline(lines, line);)
    expected.push_back(nlohmann::json::parse(line));

  auto server = serve::testing::ServerProcess::start(
      {kCli, "serve", (work_dir() / "full").string(), "--host", "127.0.0.1", "--port", "0"});
  ASSERT_TRUE(server->wait_ready()) << server->output();
  httplib::Client client(server->host(), server->port());
  auto response =
      client.Post("/v1/classify", nlohmann::json{{"texts", texts}}.dump(), "application/json");
  ASSERT_TRUE(response) << server->output();
  ASSERT_EQ(response->status, 200) << response->body;
  auto body = nlohmann::json::parse(response->body);
  ASSERT_EQ(body["results"].size(), expected.size()) << response->body;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(body["results"][i]["label"], expected[i]["label"]);
    EXPECT_NEAR(body["results"][i]["confidence"].get<double>(),
                expected[i]["confidence"].get<double>(), 1e-5);
  }
  auto bad = client.Post("/v1/classify", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  server->send_signal(SIGTERM);
  EXPECT_EQ(server->wait_exit(std::chrono::seconds(30)), std::optional<int>(0));
}

// In-domain training texts go through `predict` (the serving path) unflagged: the OOD
// features at fit and at predict time come from the same pipeline code.
void check_training_texts_are_in_domain() {
  auto table = read_csv(work_dir() / "ads.csv");
  const size_t title = table.require_column("title"),
               description = table.require_column("description");
  std::vector<std::string> args = {kCli, "predict", (work_dir() / "full").string()};
  for (size_t i = 0; i < 20; ++i)
    args.push_back(table.rows[i].fields[title].text + ". " +
                   table.rows[i].fields[description].text);
  auto r = run_process(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int flagged = 0;
  for (std::string line; std::getline(lines, line);)
    flagged += nlohmann::json::parse(line)["ood"]["flag"].get<bool>();
  // The default threshold keeps 95% of in-domain validation texts by score, and the
  // confidence gate spares the confident ones: training texts are rarely flagged.
  EXPECT_LE(flagged, 2) << r.out;
}

// `eval` on the run's own test split goes through predict's path, yet must agree with what
// training measured on the same texts (temperature scaling keeps the argmax).
void check_eval() {
  auto r = run_process({kCli, "eval", (work_dir() / "full").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  const auto trained = metrics("full")["classifier"]["test"];
  EXPECT_EQ(report["texts"], metrics("full")["data"]["counts"]["test"]);
  EXPECT_NEAR(report["classifier"]["accuracy"].get<double>(), trained["accuracy"].get<double>(),
              1e-9);
  EXPECT_NEAR(report["classifier"]["macro_f1"].get<double>(), trained["macro_f1"].get<double>(),
              1e-9);
  EXPECT_NEAR(report["calibration"]["ece"].get<double>(),
              metrics("full")["calibration"]["after"]["ece"].get<double>(), 1e-6);

  const fs::path unknown = work_dir() / "unknown_label.csv";
  std::ofstream(unknown)
      << "title,description,city,price,category\nДиван,Кожаный,Москва,100,Космос\n";
  auto bad =
      run_process({kCli, "eval", (work_dir() / "full").string(), "--data", unknown.string()});
  EXPECT_EQ(bad.exit_code, 5) << bad.err;  // InputError
  EXPECT_NE(bad.err.find("unknown label 'Космос'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("unknown_label.csv:2"), std::string::npos) << bad.err;
}

// `eval --dtype bf16` measures the run in bf16 and says how often its top-1 matches fp32's
// (bf16 keeps ~3 significant digits, so nearly every label must survive).
void check_eval_in_bf16() {
  auto r = run_process({kCli, "eval", (work_dir() / "full").string(), "--dtype", "bf16", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  ASSERT_TRUE(report.contains("precision")) << r.out;
  const auto& p = report["precision"];
  EXPECT_EQ(p["texts"], report["texts"]);
  EXPECT_GE(p["top1_agreement_with_fp32"].get<double>(), 0.98);
  EXPECT_GT(p["max_probability_diff"].get<double>(), 0.0);  // it really ran in bf16
  EXPECT_LT(p["max_probability_diff"].get<double>(), 0.5);
  auto bad = run_process({kCli, "eval", (work_dir() / "full").string(), "--dtype", "int8"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;  // usage error
  EXPECT_NE(bad.err.find("--dtype must be fp32, bf16 or fp16"), std::string::npos) << bad.err;
}

// The OOD score `predict` gives a training text equals the score the scorer gave that
// same text when it was fitted (kept in state.h5): one feature path for fit and serve.
void check_predict_ood_scores_equal_fit_scores() {
  const Recipe recipe = Recipe::load(work_dir() / "full" / "recipe.toml");
  const Dataset data =
      load_dataset(DatasetOptions::from_toml(*recipe.section("data"), recipe.run().seed));
  state::StateReader state(work_dir() / "full" / "state.h5");
  const auto fit =
      state.read_tensor_map("analysis/ood/mahalanobis").at("train_scores").to(at::kDouble);
  ASSERT_EQ(fit.size(0), static_cast<int64_t>(data.train.size()));
  std::vector<std::string> args = {kCli, "predict", (work_dir() / "full").string(), "--"};
  for (size_t i = 0; i < 12; ++i) args.push_back(data.train.texts[i]);
  auto r = run_process(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int64_t i = 0;
  for (std::string line; std::getline(lines, line); ++i) {
    const double served = nlohmann::json::parse(line)["ood"]["score"].get<double>();
    const double fitted = fit[i].item<double>();
    EXPECT_NEAR(served, fitted, 1e-4 * std::max(1.0, std::abs(fitted))) << "training text " << i;
  }
  EXPECT_EQ(i, 12);
}

void check_second_train_skips() {
  auto r = run_process(small_run("full"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("up to date"), std::string::npos) << r.err;
}

void check_kill_and_resume() {
  auto args = small_run("killed");
  args.push_back("--stages");
  args.push_back("classifier");
  // Killed as soon as a mid-training checkpoint exists (step 20 or 40 of 282).
  const fs::path state = work_dir() / "killed" / "checkpoints" / "last" / "state.json";
  ASSERT_TRUE(testing::run_until_file_appears(args, state, std::chrono::minutes(5)))
      << "no checkpoint appeared";
  ASSERT_FALSE(fs::exists(work_dir() / "killed" / "head.safetensors"))
      << "finished before the kill";

  args.push_back("--resume");
  auto resumed = run_process(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming at step"), std::string::npos);
  const auto a = metrics("full")["classifier"];
  const auto b = metrics("killed")["classifier"];
  EXPECT_EQ(a["best_step"], b["best_step"]);
  EXPECT_EQ(a["test"]["accuracy"], b["test"]["accuracy"]);  // bit-exact on the CPU
  EXPECT_EQ(a["test"]["macro_f1"], b["test"]["macro_f1"]);
}

// One test (one process): ctest runs each discovered test in its own process, and the
// checks share one trained run folder.
TEST(Quickstart, TrainPredictRetrainAndResume) {
  auto trained = run_process(small_run("full"));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  {
    SCOPED_TRACE("quality gates");
    check_quality_gates();
  }
  {
    SCOPED_TRACE("predict");
    check_predict();
  }
  {
    SCOPED_TRACE("training texts in domain");
    check_training_texts_are_in_domain();
  }
  {
    SCOPED_TRACE("predict gives fit-time OOD scores");
    check_predict_ood_scores_equal_fit_scores();
  }
  {
    SCOPED_TRACE("eval");
    check_eval();
  }
  {
    SCOPED_TRACE("eval in bf16");
    check_eval_in_bf16();
  }
  {
    SCOPED_TRACE("serve");
    check_serve_matches_predict();
  }
  {
    SCOPED_TRACE("second train");
    check_second_train_skips();
  }
  {
    SCOPED_TRACE("kill and resume");
    check_kill_and_resume();
  }
  fs::remove_all(work_dir());
}

}  // namespace
}  // namespace rubrika
