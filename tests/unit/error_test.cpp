#include <rubrika/error.hpp>

#include <gtest/gtest.h>

namespace rubrika {
namespace {

TEST(Error, MessageHasWhereWhatAndHint) {
  RecipeError e("unknown key 'lr'", "r.toml:3:1", "did you mean 'lr0'?");
  EXPECT_STREQ(e.what(), "r.toml:3:1: unknown key 'lr' (did you mean 'lr0'?)");
  EXPECT_EQ(e.problem(), "unknown key 'lr'");
  EXPECT_EQ(e.where(), "r.toml:3:1");
  EXPECT_STREQ(e.category(), "recipe");
}

TEST(Error, EmptyPartsAreLeftOut) {
  IoError e("disk full");
  EXPECT_STREQ(e.what(), "disk full");
}

TEST(Error, RethrowWithContextKeepsSubclassAndPlace) {
  try {
    try {
      throw InputError("invalid UTF-8", "ads.csv:7", "re-save as UTF-8");
    } catch (...) {
      rethrow_with_context("data stage");
    }
    FAIL() << "nothing thrown";
  } catch (const InputError& e) {
    EXPECT_EQ(e.problem(), "data stage: invalid UTF-8");
    EXPECT_EQ(e.where(), "ads.csv:7");
    EXPECT_EQ(e.hint(), "re-save as UTF-8");
  }
}

TEST(Error, RethrowWithContextWrapsForeignExceptions) {
  try {
    try {
      throw std::out_of_range("vector::at");
    } catch (...) {
      rethrow_with_context("loading");
    }
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "loading: vector::at");
  }
}

}  // namespace
}  // namespace rubrika
