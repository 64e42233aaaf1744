// The linear, mlp and multilabel heads through the real plugin loader.
#include <rubrika/error.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/train/loss.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

PluginRegistry& registry() {
  static PluginRegistry* r = [] {
    auto* made = new PluginRegistry();
    for (const char* name : {"linear", "mlp", "multilabel"})
      made->load_file(fs::path(RUBRIKA_PLUGIN_DIR_FOR_TESTS) / (std::string(name) + ".so"));
    return made;
  }();
  return *r;
}

PluginContext context(int64_t labels, int64_t hidden) {
  PluginContext c;
  for (int64_t i = 0; i < labels; ++i) c.labels.push_back("label" + std::to_string(i));
  c.input_size = hidden;
  c.seed = 3;
  return c;
}

EncoderOutput features(int64_t batch, int64_t hidden) {
  EncoderOutput out;
  out.last_hidden_state = at::randn({batch, 4, hidden});
  out.attention_mask = at::ones({batch, 4}, at::kLong);
  out.cls = out.last_hidden_state.select(1, 0);
  out.pooled = at::tanh(out.cls);
  return out;
}

toml::table options(const std::string& text) {
  return toml::parse(text, std::string("/r/recipe.toml"));
}

fs::path temp_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("rubrika_heads_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

class EveryHead : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryHead, GivesLogitsPerLabelThatTheTrainingLossDifferentiates) {
  auto head = registry().create<Head>(GetParam(), context(5, 16), options(""));
  auto logits = head->forward(features(3, 16));
  ASSERT_EQ(logits.sizes(), (at::IntArrayRef{3, 5}));
  at::Tensor targets = head->task() == TaskType::single_label
                           ? at::tensor({0, 4, 2}, at::kLong)
                           : at::randint(0, 2, {3, 5}).to(at::kFloat);
  auto loss = classification_loss(logits, targets, head->task(), LossOptions{});
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
  loss.backward();
  for (auto& [name, t] : head->named_parameters()) EXPECT_TRUE(t.grad().defined()) << name;
}

TEST_P(EveryHead, SavesAndLoadsIdentically) {
  auto dir = temp_dir(GetParam());
  auto head = registry().create<Head>(GetParam(), context(4, 8), options(""));
  head->set_training(false);
  auto input = features(2, 8);
  auto before = head->forward(input);
  head->save(dir / "head.safetensors");
  PluginContext loaded_context = context(4, 8);
  loaded_context.seed = 99;  // different initialisation: the loaded weights must win
  loaded_context.artifact = dir / "head.safetensors";
  loaded_context.use = ArtifactUse::load;
  auto loaded = registry().create<Head>(GetParam(), loaded_context, options(""));
  loaded->set_training(false);
  EXPECT_TRUE(at::equal(before, loaded->forward(input)));
}

TEST_P(EveryHead, WeightsForOtherLabelsAreRefused) {
  auto dir = temp_dir(GetParam() + "_shape");
  registry().create<Head>(GetParam(), context(4, 8), options(""))->save(dir / "head.safetensors");
  PluginContext other = context(6, 8);
  other.artifact = dir / "head.safetensors";
  other.use = ArtifactUse::load;
  try {
    registry().create<Head>(GetParam(), other, options(""));
    FAIL();
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("head.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("shape"), std::string::npos) << e.what();
  }
}

// The host says whether to load: a missing artifact is an error, never a fresh head, and
// an artifact on disk is not read unless the host asks for it.
TEST_P(EveryHead, LoadsOnlyWhenToldAndAMissingArtifactIsAnError) {
  auto dir = temp_dir(GetParam() + "_told");
  PluginContext load = context(4, 8);
  load.artifact = dir / "head.safetensors";
  load.use = ArtifactUse::load;
  EXPECT_THROW(registry().create<Head>(GetParam(), load, options("")), Error);

  auto trained = registry().create<Head>(GetParam(), context(4, 8), options(""));
  trained->save(load.artifact);
  PluginContext fresh = context(4, 8);
  fresh.seed = 7;
  fresh.artifact = load.artifact;  // present, but the host says initialise
  auto initialised = registry().create<Head>(GetParam(), fresh, options(""));
  initialised->set_training(false);
  trained->set_training(false);
  auto input = features(2, 8);
  EXPECT_FALSE(at::equal(trained->forward(input), initialised->forward(input)));
}

TEST_P(EveryHead, UnknownOptionHasLineAndColumn) {
  try {
    registry().create<Head>(GetParam(), context(3, 8), options("dropuot = 0.2\n"));
    FAIL();
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "/r/recipe.toml:1:1");
    EXPECT_EQ(e.hint(), "did you mean 'dropout'?");
  }
}

INSTANTIATE_TEST_SUITE_P(Heads, EveryHead, ::testing::Values("linear", "mlp", "multilabel"));

TEST(LinearHead, UsesHuggingFaceNamesAndTheChosenFeatures) {
  auto head = registry().create<Head>("linear", context(3, 8),
                                      options("features = \"cls\"\ndropout = 0.0\n"));
  auto names = head->named_parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].first, "classifier.weight");
  EXPECT_EQ(names[0].second.sizes(), (at::IntArrayRef{3, 8}));
  auto input = features(2, 8);
  auto expected = at::linear(input.cls, names[0].second, names[1].second);
  EXPECT_TRUE(at::allclose(head->forward(input), expected));
}

TEST(Heads, NeedLabelsAndAnInputSize) {
  EXPECT_THROW(registry().create<Head>("linear", context(1, 8), options("")), InputError);
  EXPECT_THROW(registry().create<Head>("mlp", context(3, 0), options("")), InputError);
}

}  // namespace
}  // namespace rubrika
