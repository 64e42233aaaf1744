// The [pretrain] stage through `rubrika train`, small: the quickstart's from-scratch BERT
// pretrained on its training split and a corpus file, then fine-tuned; the figures and the
// BertForMaskedLM folder it writes; the stage skipped when current and rerun when [pretrain]
// changes; a run killed mid-pretraining resumed to the same result; recipe errors.
#include "test_process.hpp"

#include <rubrika/io/checkpoint.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;
const fs::path kRecipe = fs::path(RUBRIKA_SOURCE_DIR) / "recipes" / "quickstart.toml";

fs::path work_dir() {
  static const fs::path dir = [] {
    const fs::path d = testing::process_work_dir("rubrika_pretrain_e2e");
    std::ofstream(d / "corpus.txt") << "Продаю велосипед, почти новый\n\nСдаю гараж у дома\n"
                                       "Куплю диван недорого\n";
    return d;
  }();
  return dir;
}

// 1500 synthetic ads, 120 pretraining steps (checkpoints every 20), one classifier epoch.
std::vector<std::string> tiny_run(const std::string& name,
                                  const std::vector<std::string>& more = {}) {
  const fs::path d = work_dir();
  std::vector<std::string> args = {kCli, "train", kRecipe.string(), "--stages", "classifier"};
  for (const std::string& set :
       {"run.name=" + name, "run.output_dir=" + d.string(),
        "data.train=" + (d / "ads.csv").string(), "data.ood=" + (d / "ads_ood.csv").string(),
        std::string("data.synth.n=1500"), std::string("data.synth.ood_n=200"),
        "pretrain.corpus=" + (d / "corpus.txt").string(), std::string("pretrain.max_steps=120"),
        std::string("pretrain.checkpoint_every_steps=20"),
        std::string("pretrain.eval_every_steps=60"), std::string("train.epochs=1")}) {
    args.push_back("--set");
    args.push_back(set);
  }
  for (const std::string& set : more) {
    args.push_back("--set");
    args.push_back(set);
  }
  return args;
}

nlohmann::json metrics(const std::string& name) {
  std::ifstream in(work_dir() / name / "metrics.json");
  return nlohmann::json::parse(in);
}

void check_figures_and_folder() {
  const auto m = metrics("full")["pretrain"];
  EXPECT_EQ(m["corpus_texts"], 3);  // the empty line is skipped
  EXPECT_EQ(m["steps"], 120);
  const auto& best = m["best_validation"];
  for (const char* key : {"loss", "accuracy", "perplexity"}) EXPECT_TRUE(best.contains(key)) << key;
  EXPECT_EQ(m["evaluations"].size(), 2u);  // steps 60 and 120
  ASSERT_FALSE(m["history"].empty());
  // Training works: the held-out loss falls from ln(8000) ≈ 9 of a uniform guess.
  EXPECT_LT(best["loss"].get<double>(), 8.0);
  EXPECT_GT(best["accuracy"].get<double>(), 0.0);
  const fs::path folder = work_dir() / "full" / "pretraining" / "encoder";
  std::ifstream config_file(folder / "config.json");
  EXPECT_EQ(nlohmann::json::parse(config_file)["architectures"][0], "BertForMaskedLM");
  EXPECT_EQ(read_checkpoint(folder / "model.safetensors").count("cls.predictions.bias"), 1u);
  EXPECT_TRUE(metrics("full")["classifier"].contains("test"));
  EXPECT_TRUE(fs::exists(work_dir() / "full" / "pretraining" / "train_log.jsonl"));
}

void check_rerun_skips_then_reruns_on_change() {
  auto again = run_process(tiny_run("full"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("[pretrain] up to date"), std::string::npos) << again.err;
  auto changed = run_process(tiny_run("full", {"pretrain.mask_probability=0.2"}));
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(changed.err.find("[pretrain] up to date"), std::string::npos) << changed.err;
  EXPECT_EQ(changed.err.find("[classifier] up to date"), std::string::npos)
      << "a new pretrained encoder retrains the classifier";
  EXPECT_DOUBLE_EQ(metrics("full")["pretrain"]["mask_probability"].get<double>(), 0.2);
}

void check_kill_and_resume() {
  auto args = tiny_run("killed");
  const fs::path state =
      work_dir() / "killed" / "pretraining" / "checkpoints" / "last" / "state.json";
  ASSERT_TRUE(testing::run_until_file_appears(args, state, std::chrono::minutes(3)))
      << "no pretraining checkpoint appeared";
  ASSERT_FALSE(fs::exists(work_dir() / "killed" / "pretraining" / "encoder"))
      << "pretraining finished before the kill";
  args.push_back("--resume");
  auto resumed = run_process(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming at step"), std::string::npos) << resumed.err;
  // Masks come from the checkpointed generator: the same run, bit for bit on the CPU.
  const auto a = metrics("reference")["pretrain"], b = metrics("killed")["pretrain"];
  EXPECT_EQ(a["best_validation"], b["best_validation"]);
  EXPECT_EQ(metrics("reference")["classifier"]["test"]["macro_f1"],
            metrics("killed")["classifier"]["test"]["macro_f1"]);
}

void check_recipe_errors() {
  auto typo = run_process(tiny_run("bad", {"pretrain.mask_probabilty=0.2"}));
  EXPECT_EQ(typo.exit_code, 3) << typo.err;  // RecipeError
  EXPECT_NE(typo.err.find("mask_probabilty"), std::string::npos) << typo.err;
  auto missing = run_process(tiny_run("bad", {"pretrain.corpus=/nonexistent/corpus.txt"}));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("[pretrain] corpus: no file at /nonexistent/corpus.txt"),
            std::string::npos)
      << missing.err;
  EXPECT_FALSE(fs::exists(work_dir() / "bad" / "pretraining")) << "refused before any work";
}

TEST(Pretrain, TrainsResumesAndFeedsTheClassifier) {
  auto trained = run_process(tiny_run("full"));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  {
    SCOPED_TRACE("figures and folder");
    check_figures_and_folder();
  }
  {
    SCOPED_TRACE("rerun");
    check_rerun_skips_then_reruns_on_change();
  }
  {
    SCOPED_TRACE("kill and resume");
    auto reference = run_process(tiny_run("reference"));
    ASSERT_EQ(reference.exit_code, 0) << reference.err;
    check_kill_and_resume();
  }
  {
    SCOPED_TRACE("recipe errors");
    check_recipe_errors();
  }
  fs::remove_all(work_dir());
}

}  // namespace
}  // namespace rubrika
