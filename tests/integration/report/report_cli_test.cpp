// `rubrika report RUN_DIR [--out FILE]` as a user runs it.
#include "report_support.hpp"

#include <test_process.hpp>

#include <gtest/gtest.h>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

TEST(ReportCommand, WritesReportHtmlIntoTheRunFolderOrWhereAsked) {
  const fs::path run = report_test::temp_dir("cli");
  fs::copy_file(report_test::sample("metrics_full.json"), run / "metrics.json");
  auto result = testing::run_process({RUBRIKA_CLI, "report", run.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(run / "report.html"));
  EXPECT_NE(result.out.find("report.html"), std::string::npos);

  result = testing::run_process(
      {RUBRIKA_CLI, "report", run.string(), "--out", (run / "elsewhere.html").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(report_test::read_text(run / "elsewhere.html").find("Confusion matrix"),
            std::string::npos);
  fs::remove_all(run);
}

TEST(ReportCommand, AFolderWithoutMetricsIsAnArtifactError) {
  const fs::path empty = report_test::temp_dir("cli_empty");
  auto result = testing::run_process({RUBRIKA_CLI, "report", empty.string()});
  EXPECT_EQ(result.exit_code, 7) << result.err;  // kArtifact
  EXPECT_NE(result.err.find("metrics.json"), std::string::npos) << result.err;
  EXPECT_EQ(testing::run_process({RUBRIKA_CLI, "report"}).exit_code,
            2);  // usage: RUN_DIR is required
  fs::remove_all(empty);
}

}  // namespace
}  // namespace rubrika
