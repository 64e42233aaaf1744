// The whole recipe is checked before anything runs: `rubrika recipe check` and the start of
// `rubrika train` read every table with the stages' own readers and check the files it
// names; `train --resume` refuses a recipe other than the one the run was started with.
#include "test_process.hpp"
#include "word_ads_folder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace rubrika {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;

class WholeRecipe : public testing::WordAdsFolder {
 protected:
  // A tfidf + linear recipe that trains in seconds, with [decision] and [reranker_train].
  std::string recipe(const std::string& data = {}) const {
    const std::string data_table = data.empty()
                                       ? "[data]\ntrain = \"" + (dir_ / "ads.csv").string() +
                                             "\"\ntext_fields = [\"title\", \"description\"]\n"
                                             "label_field = \"category\"\n"
                                       : data;
    const std::string text = "[run]\nname = \"whole\"\noutput_dir = \"" + (dir_ / "runs").string() +
                             "\"\nseed = 7\ndevice = \"cpu\"\n\n" + data_table +
                             "\n[encoder]\ntype = \"tfidf\"\n\n[head]\ntype = \"linear\"\n\n"
                             "[train]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\n\n"
                             "[calibrator]\ntype = \"temperature\"\n\n[ood]\ntype = \"msp\"\n\n"
                             "[reranker_train]\nnum_negatives = 2\n\n[decision]\ntau_other = "
                             "0.3\n\n[baseline]\nenabled = false\n";
    const fs::path file = dir_ / "recipe.toml";
    std::ofstream(file) << text;
    return file.string();
  }

  fs::path run_dir() const { return dir_ / "runs" / "whole"; }
};

// The four values a new user's typos produced, each named with its file and key; before this
// check the [decision] and [reranker_train] ones failed only after the classifier trained.
TEST_F(WholeRecipe, RecipeCheckRefusesMisspeltKeysAndMissingFiles) {
  const std::string file = recipe();
  const ProcessResult ok = run_process({kCli, "recipe", "check", file});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"train.epochz=3", "did you mean 'epochs'?"},
      {"decision.tau_otherr=0.3", "did you mean 'tau_other'?"},
      {"reranker_train.num_negativez=2", "did you mean 'num_negatives'?"},
      {"data.train=\"/nonexistent.csv\"", "[data] train: no file at /nonexistent.csv"}};
  for (const auto& [set, message] : broken) {
    SCOPED_TRACE(set);
    const ProcessResult r = run_process({kCli, "recipe", "check", file, "--set", set});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

// [ood_report] scorers go through their plugins' readers too.
TEST_F(WholeRecipe, RecipeCheckReadsTheReportedOodScorersTables) {
  const std::string file = recipe();
  const ProcessResult ok =
      run_process({kCli, "recipe", "check", file, "--set", "ood_report.scorers=[\"energy\"]"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("ood/energy"), std::string::npos) << ok.out;
  const ProcessResult unknown =
      run_process({kCli, "recipe", "check", file, "--set", "ood_report.scorers=[\"enrgy\"]"});
  EXPECT_EQ(unknown.exit_code, 4) << unknown.err;
  EXPECT_NE(unknown.err.find("enrgy"), std::string::npos) << unknown.err;
  const ProcessResult twice = run_process(
      {kCli, "recipe", "check", file, "--set", "ood_report.scorers=[\"energy\", \"energy\"]"});
  EXPECT_EQ(twice.exit_code, 3) << twice.err;
  EXPECT_NE(twice.err.find("listed twice"), std::string::npos) << twice.err;
}

// The ads generator writes train and OOD together: with one of them there it does not
// generate the other (which would train on synthetic ads and overwrite the OOD file).
TEST_F(WholeRecipe, SynthesisedAdsAreNotRegeneratedBesideAnExistingOodFile) {
  std::ofstream(dir_ / "cats.toml") << "version = 1\n";
  std::ofstream(dir_ / "ood_cats.toml") << "version = 1\n";
  std::ofstream(dir_ / "ood.csv") << "title,description\nа,б\n";
  const std::string data = "[data]\ntrain = \"" + (dir_ / "typo.csv").string() + "\"\nood = \"" +
                           (dir_ / "ood.csv").string() +
                           "\"\ntext_fields = [\"title\", \"description\"]\n"
                           "label_field = \"category\"\n\n[data.synth]\ncategories = \"" +
                           (dir_ / "cats.toml").string() + "\"\nood_categories = \"" +
                           (dir_ / "ood_cats.toml").string() + "\"\nn = 50\nood_n = 10\n";
  const ProcessResult r = run_process({kCli, "recipe", "check", recipe(data)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no file at " + (dir_ / "typo.csv").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("writes train and ood together"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "typo.csv"));
}

// `train` runs the same check before its first stage: nothing is trained or written.
TEST_F(WholeRecipe, TrainRefusesABrokenRecipeBeforeTheFirstStage) {
  const ProcessResult r =
      run_process({kCli, "train", recipe(), "--set", "reranker_train.num_negativez=2"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("did you mean 'num_negatives'?"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(run_dir() / "metrics.json"));
  EXPECT_FALSE(fs::exists(run_dir() / "head"));
}

// --resume with another learning rate would finish one run's checkpoints with another run's
// settings: it is refused, naming the key and both values, unless --force.
TEST_F(WholeRecipe, ResumeRefusesAChangedRecipeUnlessForced) {
  const std::string file = recipe();
  const ProcessResult first = run_process({kCli, "train", file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const ProcessResult same = run_process({kCli, "train", file, "--resume"});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  const ProcessResult changed =
      run_process({kCli, "train", file, "--resume", "--set", "train.learning_rate=0.1"});
  EXPECT_EQ(changed.exit_code, 5) << changed.err;
  EXPECT_NE(changed.err.find("train.learning_rate: 0.05 → 0.1"), std::string::npos) << changed.err;
  const ProcessResult forced =
      run_process({kCli, "train", file, "--resume", "--force", "--set", "train.learning_rate=0.1"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  // A damaged recipe.toml in the run folder is named, not taken for "no change".
  std::ofstream(run_dir() / "recipe.toml") << "[train\nlearning_rate = ";
  const ProcessResult damaged = run_process({kCli, "train", file, "--resume"});
  EXPECT_NE(damaged.exit_code, 0) << damaged.err;
  EXPECT_NE(damaged.err.find((run_dir() / "recipe.toml").string()), std::string::npos)
      << damaged.err;
  // Without --resume a changed recipe simply reruns the stages it changes.
  const ProcessResult fresh = run_process({kCli, "train", file, "--set", "train.epochs=1"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
}

}  // namespace
}  // namespace rubrika
