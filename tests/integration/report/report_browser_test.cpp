// report.html in a real browser: headless Chromium (Debian's `chromium`, installed by
// scripts/setup.sh) renders the full sample without network access; the screenshot must
// be far from blank and the rendered DOM must hold every chart.
#include "report_support.hpp"

#include <rubrika/report/html_report.hpp>
#include <test_process.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace rubrika {
namespace {
namespace fs = std::filesystem;
using report_test::count;

// The chromium binary on PATH, or "" when it is not installed.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "");
  for (std::string folder; std::getline(folders, folder, ':');)
    for (const char* name : {"chromium", "chromium-browser"})
      if (fs::exists(fs::path(folder) / name)) return (fs::path(folder) / name).string();
  return {};
}

testing::ProcessResult chromium(const std::string& binary, const fs::path& profile,
                                const std::string& action, const fs::path& html) {
  return testing::run_process({binary, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--no-first-run",
                               "--user-data-dir=" + profile.string(), action,
                               "--window-size=1280,4000", "file://" + html.string()});
}

TEST(ReportInBrowser, RendersEveryChartAndIsNotBlank) {
  const std::string binary = find_chromium();
  if (binary.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const fs::path dir = report_test::temp_dir("browser");
  write_html_report(report_test::sample("metrics_full.json"), dir / "report.html");
  std::ofstream(dir / "blank.html")
      << "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>";

  auto shot = chromium(binary, dir / "profile", "--screenshot=" + (dir / "report.png").string(),
                       dir / "report.html");
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  auto blank = chromium(binary, dir / "profile", "--screenshot=" + (dir / "blank.png").string(),
                        dir / "blank.html");
  ASSERT_EQ(blank.exit_code, 0) << blank.err;
  ASSERT_TRUE(fs::exists(dir / "report.png"));
  // A blank 1280×4000 page compresses to ~23 kB; charts, tables and text make it many times larger.
  EXPECT_GT(fs::file_size(dir / "report.png"), 4 * fs::file_size(dir / "blank.png"));

  auto dom = chromium(binary, dir / "profile", "--dump-dom", dir / "report.html");
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  // 2 training curves, 2 heatmaps (50 labels: the most-confused classes, and the full matrix
  // in a <details>), reliability diagram, 3 OOD histograms, reranker lift.
  EXPECT_EQ(count(dom.out, "<svg"), 9u);
  EXPECT_GE(count(dom.out, "<rect"), 2500u + 180u);
  EXPECT_GE(count(dom.out, "<polyline"), 5u);
  EXPECT_NE(dom.out.find("Аквариумистика"), std::string::npos);  // parsed as UTF-8
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rubrika
