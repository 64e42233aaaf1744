// The pretrain stage's refusals through run_training(): an encoder that cannot predict masked
// tokens is named before any training, and bad [pretrain] keys fail the recipe check first.
#include <rubrika/error.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/train/run_training.hpp>

#include "train_plugins.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

class PretrainStage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rubrika_pretrain_stage_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // tfidf + linear on the intents set, with `pretrain` as the [pretrain] table's keys.
  Recipe recipe(const std::string& pretrain) const {
    const std::string text =
        "[run]\nname = \"p\"\noutput_dir = \"" + dir_.string() +
        "\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" +
        (fs::path(RUBRIKA_TEST_DATA_DIR) / "intents" / "intents.csv").string() +
        "\"\ntext_fields = [\"text\"]\nlabel_field = \"label\"\n\n[encoder]\ntype = \"tfidf\"\n\n"
        "[head]\ntype = \"linear\"\n\n[baseline]\nenabled = false\n\n[pretrain]\n" +
        pretrain;
    return Recipe::parse(text, dir_ / "recipe.toml");
  }
  std::string error_of(const Recipe& r) const {
    TrainRequest request;
    request.stages = {"pretrain"};
    try {
      run_training(r, train_test::registry(), request);
    } catch (const RecipeError& e) {
      return e.what();
    }
    return "(no RecipeError)";
  }

  fs::path dir_;
};

TEST_F(PretrainStage, AnEncoderWithoutAMaskedLanguageModelIsRefusedByName) {
  const std::string what = error_of(recipe("epochs = 1\n"));
  EXPECT_NE(what.find("the 'tfidf' encoder cannot predict masked tokens"), std::string::npos)
      << what;
  EXPECT_NE(what.find("type = \"bert\""), std::string::npos) << what;
  EXPECT_FALSE(fs::exists(dir_ / "p" / "pretraining" / "encoder"));
}

TEST_F(PretrainStage, BadKeysFailTheRecipeCheckBeforeAnyStage) {
  std::string what = error_of(recipe("metric = \"macro_f1\"\n"));
  EXPECT_NE(what.find("[pretrain] metric"), std::string::npos) << what;
  EXPECT_NE(what.find("\"loss\" or \"accuracy\""), std::string::npos) << what;
  what = error_of(recipe("head_learning_rate = 1e-3\n"));
  EXPECT_NE(what.find("head_learning_rate"), std::string::npos) << what;
  what = error_of(recipe("mask_probability = 1.5\n"));
  EXPECT_NE(what.find("mask_probability"), std::string::npos) << what;
  EXPECT_FALSE(fs::exists(dir_ / "p" / "metrics.json")) << "refused before the data stage";
}

}  // namespace
}  // namespace rubrika
