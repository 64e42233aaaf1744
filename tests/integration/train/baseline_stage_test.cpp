// The baseline stage through run_training(): tfidf + linear on a small synthetic data set
// (four classes told apart by their words), its metrics and artifacts, reuse when current,
// `enabled = false`, and recipe errors that name [baseline].
#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/head.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/train/run_training.hpp>

#include "train_plugins.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

using train_test::registry;

// 4 classes × 60 ads: two words from the class's own list, one from another class's list
// (so single words mislead), four shared filler words, in random order.
void write_ads(const fs::path& file) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> classes = {
      {"Мебель", {"диван", "шкаф", "стол", "кресло", "комод", "кровать", "стул", "полка"}},
      {"Авто", {"машина", "двигатель", "колеса", "пробег", "седан", "коробка", "шины", "кузов"}},
      {"Работа",
       {"вакансия", "зарплата", "график", "опыт", "резюме", "смена", "офис", "должность"}},
      {"Квартиры",
       {"квартира", "комната", "этаж", "ремонт", "аренда", "метро", "балкон", "кухня"}}};
  const std::vector<std::string> filler = {"продаю",    "срочно",  "недорого", "хороший",
                                           "новый",     "торг",    "звоните",  "город",
                                           "состояние", "отличный"};
  std::mt19937 rng(11);
  const auto any = [&](const std::vector<std::string>& words) {
    return words[rng() % words.size()];
  };
  std::ofstream out(file);
  out << "text,label\n";
  for (int i = 0; i < 60; ++i)
    for (size_t c = 0; c < classes.size(); ++c) {
      const auto& words = classes[c].second;
      std::vector<std::string> text = {any(words), any(words),
                                       any(classes[(c + 1 + rng() % 3) % 4].second)};
      for (int k = 0; k < 4; ++k) text.push_back(any(filler));
      std::shuffle(text.begin(), text.end(), rng);
      for (const auto& w : text) out << w << " ";
      out << "," << classes[c].first << "\n";
    }
}

class BaselineStage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rubrika_baseline_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_ads(dir_ / "ads.csv");
  }
  void TearDown() override { fs::remove_all(dir_); }

  Recipe recipe(const std::string& extra = {},
                const std::vector<std::string>& overrides = {}) const {
    const std::string text =
        "[run]\nname = \"small\"\noutput_dir = \"" + dir_.string() +
        "\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" + (dir_ / "ads.csv").string() +
        "\"\ntext_fields = [\"text\"]\nlabel_field = \"label\"\n\n[baseline]\n" + extra;
    return Recipe::parse(text, dir_ / "recipe.toml", overrides);
  }
  fs::path train(const Recipe& r) const {
    TrainRequest request;
    request.stages = {"baseline"};
    return run_training(r, registry(), request);
  }
  nlohmann::json metrics() const {
    std::ifstream in(dir_ / "small" / "metrics.json");
    return nlohmann::json::parse(in);
  }

  fs::path dir_;
};

TEST_F(BaselineStage, TrainsTfidfPlusLinearOnTheSplitAndWritesMetricsAndArtifacts) {
  const fs::path run = train(recipe());
  const auto m = metrics();
  ASSERT_TRUE(m.contains("baseline")) << m.dump(1);
  const auto& b = m["baseline"];
  EXPECT_EQ(b["encoder"], "tfidf");
  EXPECT_EQ(b["head"], "linear");
  EXPECT_EQ(b["evaluated_on"], "test");
  EXPECT_EQ(b["n"], m["data"]["counts"]["test"]);  // the classifier's own test split
  // Chance is 0.25 for four balanced classes; two class words against one misleading word
  // are learnable from 173 texts.
  EXPECT_GT(b["macro_f1"].get<double>(), 0.7) << b.dump(1);
  EXPECT_GT(b["accuracy"].get<double>(), 0.7);
  EXPECT_GT(b["train_seconds"].get<double>(), 0.0);
  EXPECT_GT(b["dimensions"].get<int64_t>(), 0);
  EXPECT_EQ(b["per_class"].size(), 4u);
  EXPECT_TRUE(m["timings_s"].contains("baseline"));
  EXPECT_FALSE(m.contains("classifier"));  // --stages baseline needs only the data stage
  EXPECT_TRUE(fs::exists(run / "baseline" / "encoder" / "vocab.json"));
  EXPECT_TRUE(fs::exists(run / "baseline" / "encoder" / "idf.safetensors"));
  EXPECT_TRUE(fs::exists(run / "baseline" / "head.safetensors"));
  EXPECT_TRUE(fs::exists(run / "baseline" / "training" / "train_log.jsonl"));
  EXPECT_TRUE(fs::exists(run / "stages" / "baseline.json"));

  // The folder is a usable model: the plugins load it back and classify a furniture ad.
  PluginContext context;
  context.artifact = run / "baseline" / "encoder";
  context.use = ArtifactUse::load;
  auto encoder = registry().create<Encoder>("tfidf", context, toml::table{});
  EXPECT_EQ(encoder->hidden_size(), b["dimensions"].get<int64_t>());
  context.artifact = run / "baseline" / "head.safetensors";
  context.labels = {"Авто", "Квартиры", "Мебель", "Работа"};  // the data stage sorts labels
  context.input_size = encoder->hidden_size();
  auto head = registry().create<Head>("linear", context, toml::table{{"features", "pooled"}});
  head->set_training(false);
  const auto logits =
      head->forward(encoder->forward(encoder->tokenize({"диван шкаф кресло продаю"})));
  EXPECT_EQ(logits.argmax(1).item<int64_t>(), 2);
}

TEST_F(BaselineStage, ACurrentBaselineIsNotTrainedAgain) {
  const fs::path run = train(recipe());
  const auto written = fs::last_write_time(run / "baseline" / "head.safetensors");
  const double f1 = metrics()["baseline"]["macro_f1"].get<double>();
  train(recipe());
  EXPECT_EQ(fs::last_write_time(run / "baseline" / "head.safetensors"), written);
  EXPECT_DOUBLE_EQ(metrics()["baseline"]["macro_f1"].get<double>(), f1);
  train(recipe("epochs = 2\n"));  // a changed [baseline] trains again
  EXPECT_NE(fs::last_write_time(run / "baseline" / "head.safetensors"), written);
}

TEST_F(BaselineStage, EnabledFalseSkipsItAndDropsEarlierFigures) {
  train(recipe("enabled = false\n"));
  EXPECT_FALSE(metrics().contains("baseline"));
  EXPECT_TRUE(metrics().contains("data"));
  EXPECT_FALSE(fs::exists(dir_ / "small" / "baseline"));

  train(recipe());
  ASSERT_TRUE(metrics().contains("baseline"));
  train(recipe({}, {"baseline.enabled=false"}));
  EXPECT_FALSE(metrics().contains("baseline"));
}

TEST_F(BaselineStage, RecipeMistakesNameTheBaselineTable) {
  try {
    train(recipe("epoch = 3\n"));
    FAIL() << "an unknown key must be refused";
  } catch (const RecipeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("[baseline] unknown key 'epoch'"), std::string::npos) << what;
    EXPECT_NE(what.find("did you mean 'epochs'"), std::string::npos) << what;
    EXPECT_NE(what.find("recipe.toml:13"), std::string::npos) << what;  // file:line of the key
  }
  try {
    train(recipe("word_ngrams = [3, 1]\n"));
    FAIL() << "a bad tfidf option must be refused";
  } catch (const RecipeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("[baseline] tfidf options"), std::string::npos) << what;
    EXPECT_NE(what.find("min is larger than max"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace rubrika
