// A multi-label run (the news use) goes through `rubrika train` to the end: the classifier's
// test split is evaluated with multi-label figures instead of failing on single-label truth.
#include <rubrika/data/news_synth.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/train/run_training.hpp>

#include "train_plugins.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

using train_test::registry;

TEST(MultiLabelRun, TrainsAndReportsPerLabelTestFigures) {
  const fs::path dir =
      fs::temp_directory_path() / ("rubrika_multilabel_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  NewsSynthRequest news;
  news.catalogue = fs::path(RUBRIKA_SOURCE_DIR) / "configs/categories/news_ru.toml";
  news.n = 600;
  news.seed = 3;
  news.out = dir / "news.jsonl";
  news.topics = {"политика", "экономика", "культура"};
  synthesize_news(news);
  const std::string text = "[run]\nname = \"news\"\noutput_dir = \"" + dir.string() +
                           "\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" +
                           news.out.string() +
                           "\"\ntext_fields = [\"title\", \"body\"]\nmulti_label = true\n"
                           "label_field = \"labels\"\n\n[encoder]\ntype = \"tfidf\"\n"
                           "max_features = 3000\n\n[head]\ntype = \"multilabel\"\n\n[train]\n"
                           "freeze_encoder = true\nepochs = 4\nlearning_rate = 0.05\n"
                           "batch_size = 32\n\n[baseline]\nenabled = false\n";
  const Recipe recipe = Recipe::parse(text, dir / "recipe.toml");
  const fs::path run = run_training(recipe, registry(), TrainRequest{});
  const RunLayout layout(run);
  EXPECT_TRUE(fs::exists(layout.manifest()));
  std::ifstream in(layout.metrics());
  const auto m = nlohmann::json::parse(in);
  const auto& test = m["classifier"]["test"];
  ASSERT_TRUE(test.contains("per_class")) << test.dump(1);
  EXPECT_EQ(test["per_class"].size(), 3u);
  for (const char* label : {"политика", "экономика", "культура"}) {
    SCOPED_TRACE(label);
    const auto& figures = test["per_class"][label];
    EXPECT_GT(figures["support"].get<double>(), 0);
    EXPECT_GE(figures["f1"].get<double>(), 0.5);  // learnable from the topics' own words
  }
  EXPECT_GT(test["micro_f1"].get<double>(), 0.5);
  EXPECT_GT(test["macro_f1"].get<double>(), 0.5);
  // Subset accuracy: every label of an item right; at most the share of items a run of
  // per-label decisions can get all right, and well above chance on these topics.
  EXPECT_GT(test["accuracy"].get<double>(), 0.3);
  EXPECT_LE(test["accuracy"].get<double>(), 1.0);
  EXPECT_EQ(test["threshold"].get<double>(), 0.5);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rubrika
