#include <rubrika/error.hpp>
#include <rubrika/types.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace rubrika {
namespace {

TEST(LabelSet, MapsNamesToIdsAndRejectsUnknown) {
  LabelSet labels({"Мебель", "Обувь", "Книги"});
  EXPECT_EQ(labels.size(), 3);
  EXPECT_EQ(labels.id("Обувь"), 1);
  EXPECT_EQ(labels.name(2), "Книги");
  try {
    labels.id("Одежда");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown label 'Одежда'"), std::string::npos);
    EXPECT_NE(e.hint().find("'Мебель'"), std::string::npos);
  }
  EXPECT_THROW(labels.name(3), InputError);
}

TEST(LabelSet, RejectsDuplicatesAndEmptyNames) {
  EXPECT_THROW(LabelSet({"a", "a"}), InputError);
  EXPECT_THROW(LabelSet({"a", ""}), InputError);
}

TEST(EncoderOutput, MeanPoolingIgnoresPadding) {
  EncoderOutput out;
  // [1, 3, 2]: two real tokens and one padding token with a huge value.
  out.last_hidden_state = at::tensor({1.0f, 2.0f, 3.0f, 4.0f, 1000.0f, 1000.0f}).view({1, 3, 2});
  out.attention_mask = at::tensor({1, 1, 0}, at::kLong).view({1, 3});
  out.cls = out.last_hidden_state.select(1, 0);
  auto mean = select_features(out, FeatureSource::mean);
  EXPECT_FLOAT_EQ(mean[0][0].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(mean[0][1].item<float>(), 3.0f);
  EXPECT_THROW(select_features(out, FeatureSource::pooled), InputError);
  EXPECT_EQ(parse_feature_source("cls"), FeatureSource::cls);
  EXPECT_THROW(parse_feature_source("max"), InputError);
}

}  // namespace
}  // namespace rubrika
