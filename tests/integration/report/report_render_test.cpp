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
  EXPECT_EQ(count(s, "<svg"), 1u);
  EXPECT_EQ(count(s, "<rect"), 2500u);  // 50 × 50
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
