// A multi-label run (the news use) goes through `rubrika train` to the end: the classifier's
// test split is evaluated with multi-label figures instead of failing on single-label truth,
// per-label thresholds are chosen on validation and kept in state.h5, and a loaded run uses
// them (a broken thresholds group is an error naming state.h5, a missing one means 0.5).
#include <rubrika/data/news_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/state/state_file.hpp>
#include <rubrika/train/run_training.hpp>

#include "train_plugins.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>
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

  // The thresholds stage: one threshold per label, saved, and what a loaded run uses.
  ASSERT_TRUE(m.contains("multilabel")) << m.dump(1).substr(0, 1000);
  const auto& chosen = m["multilabel"]["thresholds"]["per_label"];
  auto pipeline = Pipeline::load(run, registry(), "cpu");
  ASSERT_TRUE(pipeline->multi_label());
  const std::vector<double> thresholds = pipeline->label_thresholds();
  for (int64_t j = 0; j < pipeline->labels().size(); ++j)
    EXPECT_NEAR(thresholds[static_cast<size_t>(j)],
                chosen[pipeline->labels().name(j)]["threshold"].get<double>(), 1e-6);
  const auto p = pipeline->predict(
      std::vector<std::string>{"Курс рубля и новые санкции обсудили в правительстве"},
      PredictOptions{});
  EXPECT_TRUE(p[0].multi_label);
  EXPECT_EQ(p[0].label_scores.size(), 3u);

  // The state.h5 files below stand for older run folders, written before pipeline.toml
  // recorded checksums (a rewritten state.h5 is otherwise refused as changed).
  toml::table manifest = toml::parse_file(layout.manifest().string());
  ASSERT_TRUE(manifest.contains("checksums"));
  manifest.erase("checksums");
  std::ofstream(layout.manifest()) << manifest << "\n";
  // A thresholds group of the wrong length is an ArtifactError naming state.h5.
  {
    state::StateWriter broken(layout.state());
    broken.write_strings("labels", pipeline->labels().names());
    broken.write_tensor_map(kDecisionStateGroup,
                            {{"thresholds", torch::tensor({0.5, 0.5}, torch::kFloat)}});
    broken.commit();
  }
  try {
    Pipeline::load(run, registry(), "cpu");
    FAIL() << "two thresholds for three labels were accepted";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("state.h5"), std::string::npos) << e.what();
  }
  // Without the group (a run from before the thresholds stage) every label uses 0.5.
  {
    state::StateWriter old(layout.state());
    old.write_strings("labels", pipeline->labels().names());
    old.commit();
  }
  EXPECT_EQ(Pipeline::load(run, registry(), "cpu")->label_thresholds(),
            (std::vector<double>{0.5, 0.5, 0.5}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rubrika
