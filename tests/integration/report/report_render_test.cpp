// render_html_report / write_html_report: every chart drawn from a full run's metrics,
// "not run" for missing stages, user text escaped, malformed metrics refused clearly.
#include "report_support.hpp"

#include <rubrika/error.hpp>
#include <rubrika/report/html_report.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rubrika {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using report_test::count;
using report_test::read_text;
using report_test::sample;
using report_test::section;

class FullReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    page_ = new std::string(render_html_report(read_text(sample("metrics_full.json"))));
  }
  static std::string* page_;
};
std::string* FullReport::page_ = nullptr;

TEST_F(FullReport, IsOneSelfContainedUtf8Page) {
  const std::string& page = *page_;
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset='utf-8'>"), std::string::npos);
  EXPECT_NE(page.find("<style>"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);  // no images, fonts or scripts to fetch
  EXPECT_EQ(page.find("href='http"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_NE(page.find("Аквариумистика"), std::string::npos);  // Russian label names as UTF-8
  EXPECT_EQ(count(page, "not run"), 0u) << "every stage of the full sample ran";
}

TEST_F(FullReport, SummaryShowsRecipeDataCountsAndStageTimes) {
  const std::string s = section(*page_, "summary");
  EXPECT_NE(s.find("recipes/quickstart.toml"), std::string::npos);
  EXPECT_NE(s.find("<td>train</td><td>7200</td>"), std::string::npos);
  EXPECT_NE(s.find("<td>classes</td><td>50</td>"), std::string::npos);
  EXPECT_NE(s.find("<td>reranker</td><td>217.8</td>"), std::string::npos);
  EXPECT_NE(s.find("total"), std::string::npos);
}

TEST_F(FullReport, DrawsTrainingCurvesWithAPointPerEpoch) {
  const std::string s = section(*page_, "classifier");
  EXPECT_EQ(count(s, "<svg"), 2u);
  EXPECT_EQ(count(s, "<polyline"), 3u);  // loss; validation macro-F1 and accuracy
  EXPECT_EQ(count(s, "<circle"), 6u);    // 3 evaluations × 2 series
  EXPECT_NE(s.find("epoch 3"), std::string::npos);
  EXPECT_EQ(count(s, "<tr"), 51u);  // per-class table: header + 50 labels
}

TEST_F(FullReport, ConfusionHeatmapHasACellPerPairAndTopConfusions) {
  const std::string s = section(*page_, "confusion");
  // 50 labels: the most-confused classes first, the full 50 × 50 matrix in a <details>.
  EXPECT_EQ(count(s, "<svg"), 2u);
  const size_t focus_at = s.find("Most confused classes (");
  ASSERT_NE(focus_at, std::string::npos) << s.substr(0, 2000);
  const size_t focus = std::stoul(s.substr(focus_at + 23));
  EXPECT_GE(focus, 2u);
  EXPECT_LE(focus, 20u);
  EXPECT_NE(s.find("of 50)"), std::string::npos);
  EXPECT_EQ(count(s, "<rect"), 2500u + focus * focus);  // 50 × 50 and the sub-matrix
  const size_t details = s.find("<details");
  ASSERT_NE(details, std::string::npos);
  EXPECT_NE(s.find("Full confusion matrix (50 × 50)", details), std::string::npos);
  EXPECT_EQ(count(s.substr(details), "<rect"), 2500u) << "the full matrix is the collapsed one";
  EXPECT_EQ(s.find(" open"), std::string::npos) << "collapsed by default";
  EXPECT_NE(s.find("Top confusions"), std::string::npos);
  EXPECT_NE(s.find("Гаражи и машиноместа → "), std::string::npos);
  EXPECT_NE(s.find("<title>Аквариумистика → Аквариумистика: 40</title>"), std::string::npos);
}

TEST_F(FullReport, ReliabilityDiagramShowsBeforeAndAfter) {
  const std::string s = section(*page_, "calibration");
  EXPECT_EQ(count(s, "<svg"), 1u);
  EXPECT_EQ(count(s, "<polyline"), 2u);
  EXPECT_GT(count(s, "<circle"), 4u);
  EXPECT_NE(s.find("before temperature"), std::string::npos);
  EXPECT_NE(s.find("after temperature"), std::string::npos);
}

TEST_F(FullReport, OodHistogramsPerScorerWithTheirThresholds) {
  const std::string s = section(*page_, "ood");
  EXPECT_EQ(count(s, "<svg"), 3u);  // mahalanobis, msp, energy
  EXPECT_EQ(count(s, "class='threshold'"), 3u);
  EXPECT_EQ(count(s, "<rect"), 3u * 2 * 30);               // 30 bins, in-domain and OOD
  EXPECT_NE(s.find("<td>915.3</td>"), std::string::npos);  // ood.scorers.mahalanobis.threshold
  EXPECT_NE(s.find("class='primary'><td>mahalanobis"), std::string::npos);
}

TEST_F(FullReport, RerankerLiftCascadeBaselineAndServing) {
  const std::string r = section(*page_, "reranker");
  EXPECT_NE(r.find("low margin"), std::string::npos);
  EXPECT_EQ(count(r, "<rect"), 4u);  // top-1 before/after on all and low-margin texts
  EXPECT_NE(r.find("Trigger rate <b>0.0215</b>"), std::string::npos);
  const std::string b = section(*page_, "baseline");
  EXPECT_NE(b.find("tfidf + linear</td><td>0.9485</td><td>0.9479</td>"), std::string::npos) << b;
  EXPECT_NE(b.find("this run (bert + linear)</td><td>"), std::string::npos) << b;
  EXPECT_NE(b.find("+0.0246"), std::string::npos);  // macro-F1 0.9725 − 0.9479
  EXPECT_NE(b.find("50000 n-grams"), std::string::npos);
  const std::string cards = page_->substr(0, page_->find("<h2"));
  EXPECT_NE(cards.find("baseline macro-F1</div><div class='card-value'>0.9479"), std::string::npos);
  const std::string s = section(*page_, "serving");
  EXPECT_NE(s.find("rubrika serve runs/quickstart"), std::string::npos);
  EXPECT_NE(s.find("curl -s http://127.0.0.1:8080/v1/classify"), std::string::npos);
}

// A threshold beyond every score still shows: the x-range is widened to include it.
TEST(ReportHistograms, XRangeIncludesTheThreshold) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  auto& scorers = m["ood"]["scorers"];
  scorers["msp"]["threshold"] = 1.5;       // edges end at 0.877
  scorers["energy"]["threshold"] = -12.0;  // edges start at -8.04
  const std::string s = section(render_html_report(m.dump()), "ood");
  EXPECT_EQ(count(s, "class='threshold'"), 3u) << "every scorer's threshold is drawn";
  for (const char* label : {"threshold 1.5<", "threshold -12<", "threshold 915.3<"}) {
    SCOPED_TRACE(label);
    const size_t at = s.find(label);
    ASSERT_NE(at, std::string::npos);
    // The line of this threshold lies inside the plot area (x from 56 to 544).
    const size_t line = s.rfind("<line x1='", at);
    ASSERT_NE(line, std::string::npos);
    const double x = std::stod(s.substr(line + 10));
    EXPECT_GE(x, 56.0);
    EXPECT_LE(x, 544.0);
  }
}

TEST(ReportPrint, TablesAndMatricesPrintInFull) {
  const std::string page = render_html_report(read_text(sample("metrics_full.json")));
  const size_t print = page.find("@media print{");
  ASSERT_NE(print, std::string::npos);
  EXPECT_NE(page.find(".scroll,.wide{max-height:none;overflow:visible}", print), std::string::npos);
  EXPECT_NE(page.find("class='scroll'"), std::string::npos) << "a scroll box on screen only";
}

TEST(ReportConfusion, SmallMatricesAreShownWhole) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  auto& confusion = m["classifier"]["test"]["confusion"];
  json labels = json::array(), matrix = json::array();
  for (size_t r = 0; r < 12; ++r) {
    labels.push_back(confusion["labels"][r]);
    json row = json::array();
    for (size_t c = 0; c < 12; ++c) row.push_back(confusion["matrix"][r][c]);
    matrix.push_back(row);
  }
  confusion = {{"labels", labels}, {"matrix", matrix}};
  const std::string s = section(render_html_report(m.dump()), "confusion");
  EXPECT_EQ(count(s, "<svg"), 1u);
  EXPECT_EQ(count(s, "<rect"), 144u);
  EXPECT_EQ(s.find("<details"), std::string::npos);
  EXPECT_EQ(s.find("Most confused"), std::string::npos);
}

TEST(ReportServing, ExampleIsATextOfTheRunsOwnTestSplit) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  const std::string fallback = section(render_html_report(m.dump()), "serving");
  EXPECT_NE(fallback.find("Продаю диван"), std::string::npos) << "older runs: an ads text";
  m["serving"]["example"] = "хочу вернуть деньги за заказ, it's <late>";
  const std::string s = section(render_html_report(m.dump()), "serving");
  EXPECT_EQ(s.find("Продаю диван"), std::string::npos);
  EXPECT_NE(s.find("test split"), std::string::npos);
  // JSON inside a single-quoted shell word: the quote closes, is escaped, and reopens.
  EXPECT_NE(
      s.find("-d '{&quot;texts&quot;:[&quot;хочу вернуть деньги за заказ, it&#39;\\&#39;&#39;s "
             "&lt;late&gt;&quot;]}'"),
      std::string::npos)
      << s;
}

TEST(ReportDefaults, AnUnusedRerankerIsShownAsNotUsedWithItsReason) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  m["reranker"] = {{"used", false},
                   {"skipped", true},
                   {"not_used_reason", "9 of 9 labels have no description (о_переводах, …)"}};
  const std::string skipped = section(render_html_report(m.dump()), "reranker");
  EXPECT_NE(skipped.find("Not used."), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("о_переводах"), std::string::npos);
  EXPECT_EQ(skipped.find("top-1 after"), std::string::npos) << "no loss table for a skipped stage";

  json trained = json::parse(read_text(sample("metrics_full.json")));
  trained["reranker"]["used"] = false;
  trained["reranker"]["not_used_reason"] = "no gain on validation";
  trained["reranker"]["validation_top1"] = {
      {"classifier", 0.91}, {"cascade", 0.91}, {"reranked", 0.606}};
  const std::string kept_out = section(render_html_report(trained.dump()), "reranker");
  EXPECT_NE(kept_out.find("Not used."), std::string::npos);
  EXPECT_NE(kept_out.find("every text reranked 0.606"), std::string::npos) << kept_out;
  // The figures of the unused reranker are still there, folded away.
  EXPECT_LT(kept_out.find("<details>"), kept_out.find("top-1 after"));
}

TEST(ReportDefaults, OodWarningsAndTheSmallValidationCheckAreShown) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  m["ood"]["scorers"]["msp"]["warnings"] = {"msp: the threshold 1.376 flags no validation text"};
  m["calibration"]["small_validation_check"] = {
      {"validation_texts", 100},     {"min_validation", 300},     {"folds", 5},
      {"cv_nll_uncalibrated", 0.41}, {"cv_nll_calibrated", 0.44}, {"calibrate", false}};
  m["calibration"]["kept_uncalibrated"] = true;
  const std::string page = render_html_report(m.dump());
  EXPECT_NE(section(page, "ood").find("flags no validation text"), std::string::npos);
  const std::string calibration = section(page, "calibration");
  EXPECT_NE(calibration.find("kept T = 1"), std::string::npos) << calibration;
  EXPECT_NE(calibration.find("Only 100 validation texts"), std::string::npos) << calibration;
}

TEST(MinimalReport, SaysNotRunForEveryMissingStage) {
  const std::string page = render_html_report(read_text(sample("metrics_minimal.json")));
  for (const char* id : {"classifier", "confusion", "calibration", "ood", "reranker", "baseline"})
    EXPECT_NE(section(page, id).find("not run"), std::string::npos) << id;
  EXPECT_NE(section(page, "summary").find("<td>test</td><td>20</td>"), std::string::npos);
  EXPECT_EQ(count(page, "<svg"), 0u);
  // The empty object is a valid (if bare) run too.
  EXPECT_NE(render_html_report("{}").find("Run summary"), std::string::npos);
}

TEST(ReportEscaping, LabelAndScorerNamesAreEscapedEverywhere) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  const std::string evil = "<b>&\"'";
  auto& test = m["classifier"]["test"];
  test["confusion"]["labels"][0] = evil;
  test["per_class"][evil] = test["per_class"]["Автоаксессуары"];
  m["ood"]["scorers"][evil] = m["ood"]["scorers"]["msp"];
  m["run"]["name"] = evil;
  const std::string page = render_html_report(m.dump());
  EXPECT_EQ(page.find(evil), std::string::npos);
  EXPECT_EQ(page.find("<b>&"), std::string::npos);
  EXPECT_GT(count(page, "&lt;b&gt;&amp;&quot;&#39;"),
            5u);  // title, heading, table, heatmap, scorer
}

TEST(ReportErrors, MalformedMetricsNameTheField) {
  EXPECT_THROW(render_html_report("[1, 2]"), InputError);
  EXPECT_THROW(render_html_report("{not json"), InputError);
  json m = json::parse(read_text(sample("metrics_full.json")));
  m["classifier"]["test"]["confusion"]["matrix"][3].erase(0);
  try {
    render_html_report(m.dump());
    FAIL() << "a ragged confusion matrix must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("classifier.test.confusion.matrix row 3"),
              std::string::npos)
        << e.what();
  }
  json h = json::parse(read_text(sample("metrics_full.json")));
  h["ood"]["scorers"]["msp"]["histogram"]["ood"].erase(0);
  EXPECT_THROW(render_html_report(h.dump()), InputError);
}

TEST(WriteHtmlReport, WritesThePageAndReportsAMissingFile) {
  const fs::path dir = report_test::temp_dir("write");
  write_html_report(sample("metrics_minimal.json"), dir / "sub" / "report.html");
  EXPECT_NE(read_text(dir / "sub" / "report.html").find("rubrika run: minimal"), std::string::npos);
  EXPECT_THROW(write_html_report(dir / "missing.json", dir / "x.html"), IoError);
  EXPECT_FALSE(fs::exists(dir / "x.html"));
  // A failed render leaves an existing page untouched.
  std::ofstream(dir / "bad.json") << "[]";
  EXPECT_THROW(write_html_report(dir / "bad.json", dir / "sub" / "report.html"), InputError);
  EXPECT_NE(read_text(dir / "sub" / "report.html").find("minimal"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rubrika
