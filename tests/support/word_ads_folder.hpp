// A GoogleTest fixture for CLI tests that train: a fresh temporary folder per test suite and
// process holding ads.csv (word_ads_csv(60, 3)), removed after each test.
#pragma once

#include "word_ads.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace rubrika::testing {

class WordAdsFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string suite =
        ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name();
    dir_ = std::filesystem::temp_directory_path() /
           ("rubrika_" + suite + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "ads.csv") << word_ads_csv(60, 3);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

}  // namespace rubrika::testing
