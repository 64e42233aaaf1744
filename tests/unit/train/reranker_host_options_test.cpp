// [reranker] allow_label_names belongs to the reranker stage; a plugin's reader accepts it
// without reading it, and a wrong type names its position.
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/train/reranker_host_options.hpp>

#include <gtest/gtest.h>

namespace rubrika {
namespace {

toml::table parse(const std::string& text) {
  return toml::parse(text, std::string("/recipes/r.toml"));
}

TEST(RerankerHostOptions, ReadsAllowLabelNames) {
  auto table = parse("type = \"cross_encoder\"\nallow_label_names = true\nmax_length = 64\n");
  const RerankerHostOptions o = RerankerHostOptions::read(table);
  EXPECT_TRUE(o.allow_label_names);
}

TEST(RerankerHostOptions, PluginReadersOfTheSectionAcceptTheStageKeysOnly) {
  auto table = parse("type = \"cross_encoder\"\nallow_label_names = true\n");
  OptionsReader reranker(table, "reranker");
  EXPECT_NO_THROW(reranker.finish());
  OptionsReader head(table, "head");  // another section: not its key
  EXPECT_THROW(head.finish(), RecipeError);
  auto calibrator = parse("type = \"temperature\"\nmin_validation = 100\ncv_folds = 3\n");
  OptionsReader temperature(calibrator, "calibrator");
  EXPECT_NO_THROW(temperature.finish());
}

TEST(RerankerHostOptions, DefaultIsFalse) {
  auto table = parse("type = \"cross_encoder\"\n");
  EXPECT_FALSE(RerankerHostOptions::read(table).allow_label_names);
}

TEST(RerankerHostOptions, AWrongTypeIsAnErrorAtItsPosition) {
  auto table = parse("type = \"cross_encoder\"\nallow_label_names = \"yes\"\n");
  try {
    RerankerHostOptions::read(table);
    FAIL() << "accepted a string";
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "/recipes/r.toml:2:21");
    EXPECT_NE(std::string(e.what()).find("allow_label_names"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rubrika
