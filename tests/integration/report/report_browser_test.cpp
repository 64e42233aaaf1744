// report.html in a real browser: headless Chromium (Debian's `chromium`, installed by
// scripts/setup.sh) renders the full sample and the multi-label sample without network
// access; each screenshot must be far from blank and each rendered DOM must hold every chart.
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

// What Chromium made of one sample's report: the DOM it rendered, and the sizes of a
// screenshot of the report and of a blank page.
struct Rendered {
  std::string dom;
  uintmax_t png_bytes = 0, blank_png_bytes = 0;
};

// Renders sample `metrics` into report.html in `dir` and takes a screenshot and the DOM.
void render_in_chromium(const std::string& binary, const std::string& metrics, const fs::path& dir,
                        Rendered& out) {
  write_html_report(report_test::sample(metrics), dir / "report.html");
  std::ofstream(dir / "blank.html")
      << "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>";

  auto shot = chromium(binary, dir / "profile", "--screenshot=" + (dir / "report.png").string(),
                       dir / "report.html");
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  auto blank = chromium(binary, dir / "profile", "--screenshot=" + (dir / "blank.png").string(),
                        dir / "blank.html");
  ASSERT_EQ(blank.exit_code, 0) << blank.err;
  ASSERT_TRUE(fs::exists(dir / "report.png"));
  out.png_bytes = fs::file_size(dir / "report.png");
  out.blank_png_bytes = fs::file_size(dir / "blank.png");

  auto dom = chromium(binary, dir / "profile", "--dump-dom", dir / "report.html");
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  out.dom = dom.out;
}

TEST(ReportInBrowser, RendersEveryChartAndIsNotBlank) {
  const std::string binary = find_chromium();
  if (binary.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const fs::path dir = report_test::temp_dir("browser");
  Rendered page;
  ASSERT_NO_FATAL_FAILURE(render_in_chromium(binary, "metrics_full.json", dir, page));
  // A blank 1280×4000 page compresses to ~23 kB; charts, tables and text make it many times larger.
  EXPECT_GT(page.png_bytes, 4 * page.blank_png_bytes);
  // 2 training curves, 2 heatmaps (50 labels: the most-confused classes, and the full matrix
  // in a <details>), reliability diagram, 3 OOD histograms, reranker lift.
  EXPECT_EQ(count(page.dom, "<svg"), 9u);
  EXPECT_GE(count(page.dom, "<rect"), 2500u + 180u);
  EXPECT_GE(count(page.dom, "<polyline"), 5u);
  EXPECT_NE(page.dom.find("Аквариумистика"), std::string::npos);  // parsed as UTF-8
  fs::remove_all(dir);
}

TEST(ReportInBrowser, RendersTheMultiLabelChartsAndIsNotBlank) {
  const std::string binary = find_chromium();
  if (binary.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const fs::path dir = report_test::temp_dir("browser_multilabel");
  Rendered page;
  ASSERT_NO_FATAL_FAILURE(render_in_chromium(binary, "metrics_multilabel.json", dir, page));
  EXPECT_GT(page.png_bytes, 4 * page.blank_png_bytes);
  // 2 training curves, per label a ROC curve and a probability histogram (3 labels), 1 OOD
  // histogram; no confusion heatmap and no reliability diagram in a multi-label run.
  EXPECT_EQ(count(page.dom, "<svg"), 2u + 3 * 2 + 1);
  EXPECT_EQ(count(page.dom, "<polyline"), 3u + 3 * 2);        // curves; ROC and chance per label
  EXPECT_EQ(count(page.dom, "class=\"threshold\""), 3u + 1);  // per label; the OOD scorer
  EXPECT_GE(count(page.dom, "<rect"), 3u * 40 + 10);
  EXPECT_EQ(count(page.dom, "class=\"label-block\""), 3u);
  EXPECT_NE(page.dom.find("<table class=\"cooccurrence\">"), std::string::npos);
  EXPECT_NE(page.dom.find("25 / 27"), std::string::npos);    // a co-occurrence cell
  EXPECT_NE(page.dom.find("экономика"), std::string::npos);  // parsed as UTF-8
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rubrika
