// render_html_report / write_html_report: every chart drawn from a full run's metrics (a
// single-label and a multi-label one), "not run" for missing stages, user text escaped,
// malformed metrics refused clearly.
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

// ---- Multi-label runs (metrics_multilabel.json: 3 news topics, 200 test texts) ----

json multilabel_metrics() { return json::parse(read_text(sample("metrics_multilabel.json"))); }

// The x of the threshold line labelled `label` ("threshold 0.41<") in `s`, or -1.
double threshold_x(const std::string& s, const std::string& label) {
  const size_t at = s.find(label);
  if (at == std::string::npos) return -1;
  const size_t line = s.rfind("<line x1='", at);
  return line == std::string::npos ? -1 : std::stod(s.substr(line + 10));
}

class MultiLabelReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    page_ = new std::string(render_html_report(read_text(sample("metrics_multilabel.json"))));
  }
  static std::string* page_;
};
std::string* MultiLabelReport::page_ = nullptr;

TEST_F(MultiLabelReport, AddsTheMultiLabelSectionsAndEveryStageRan) {
  const std::string& page = *page_;
  EXPECT_NE(page.find("<a href='#multilabel'>Multi-label decisions</a><a "
                      "href='#cooccurrence'>Label co-occurrence</a>"),
            std::string::npos);
  EXPECT_LT(page.find("<h2 id='classifier'>"), page.find("<h2 id='multilabel'>"));
  EXPECT_LT(page.find("<h2 id='cooccurrence'>"), page.find("<h2 id='confusion'>"));
  EXPECT_EQ(count(page, "not run"), 0u) << "every stage of the multi-label sample ran";
  EXPECT_EQ(page.find("<b>–</b>"), std::string::npos) << "no headline figure is missing";
}

TEST_F(MultiLabelReport, SummaryPutsTheTunedThresholdsBesideHalf) {
  const std::string s = section(*page_, "multilabel");
  EXPECT_NE(s.find("by strategy <b>f1</b>: the threshold with the best F1"), std::string::npos);
  EXPECT_NE(s.find("validation split (100 texts)"), std::string::npos);
  EXPECT_NE(s.find("<td>micro-F1</td><td>0.9064</td><td>0.8862</td>"), std::string::npos) << s;
  EXPECT_NE(s.find("<td>macro-F1</td><td>0.8916</td><td>0.8727</td>"), std::string::npos);
  EXPECT_NE(s.find("right)</td><td>0.83</td><td>0.8</td>"), std::string::npos);  // subset accuracy
  EXPECT_NE(s.find("cells)</td><td>0.0533</td><td>0.0633</td>"), std::string::npos);  // Hamming
  EXPECT_NE(s.find("labels per text, true / predicted</td><td>0.85 / 0.86</td><td>0.85 / 0.82"),
            std::string::npos);
  EXPECT_NE(s.find("texts with no label, true / predicted</td><td>40 / 38</td><td>40 / 43"),
            std::string::npos);
  EXPECT_EQ(s.find("class='warning'"), std::string::npos) << "every target was met";
}

TEST_F(MultiLabelReport, EachLabelHasARocCurveAndAHistogramWithItsThreshold) {
  const std::string s = section(*page_, "multilabel");
  EXPECT_EQ(count(s, "class='label-block'"), 3u);
  EXPECT_EQ(count(s, "<svg"), 6u);       // ROC + histogram per label
  EXPECT_EQ(count(s, "<polyline"), 6u);  // ROC curve + chance diagonal per label
  EXPECT_EQ(count(s, "<title>chance</title>"), 3u);
  EXPECT_EQ(count(s, "<rect"), 3u * 2 * 20);  // 20 bins, with and without the label
  EXPECT_EQ(count(s, "class='threshold'"), 3u);
  for (const char* auroc : {"AUROC <b>0.985</b>", "AUROC <b>0.962</b>", "AUROC <b>0.931</b>"})
    EXPECT_NE(s.find(auroc), std::string::npos) << auroc;
  EXPECT_NE(s.find("texts with the label"), std::string::npos);
  EXPECT_NE(s.find("texts without the label"), std::string::npos);
  EXPECT_EQ(s.find("out-of-domain"), std::string::npos) << "the OOD chart's words stay there";
  // Thresholds on a [0, 1] probability axis drawn from x = 56 to 544.
  const std::pair<const char*, double> thresholds[] = {
      {"threshold 0.41<", 0.41}, {"threshold 0.35<", 0.35}, {"threshold 0.62<", 0.62}};
  for (const auto& [label, value] : thresholds) {
    SCOPED_TRACE(label);
    EXPECT_NEAR(threshold_x(s, label), 56 + value * 488, 0.5);
  }
}

TEST_F(MultiLabelReport, EachLabelShowsItsCountsAndFiguresAtBothThresholds) {
  const std::string s = section(*page_, "multilabel");
  EXPECT_NE(s.find("<th>at 0.41</th><th>predicted on</th><th>predicted off</th></tr><tr><td>has "
                   "the label</td><td title='true positives'>76</td><td title='false "
                   "negatives'>4</td></tr><tr><td>has not</td><td title='false "
                   "positives'>6</td><td title='true negatives'>114</td>"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("<td>tuned (0.41)</td><td>0.927</td><td>0.95</td><td>0.938</td>"),
            std::string::npos);
  EXPECT_NE(s.find("<td>0.5</td><td>0.947</td><td>0.9</td><td>0.923</td>"), std::string::npos);
  EXPECT_NE(s.find("80 texts with the label, 120 without; average precision <b>0.97</b>"),
            std::string::npos);
  EXPECT_NE(s.find("(on validation: precision 0.93, recall 0.95, F1 0.94)"), std::string::npos);
  // Blocks follow the head's label order, not the sorted keys of per_label.
  const size_t politics = s.find("1. политика"), economy = s.find("2. экономика"),
               culture = s.find("3. культура");
  ASSERT_NE(culture, std::string::npos);
  EXPECT_LT(politics, economy);
  EXPECT_LT(economy, culture);
}

TEST_F(MultiLabelReport, CoOccurrenceShowsTrueAndPredictedPairs) {
  const std::string s = section(*page_, "cooccurrence");
  EXPECT_EQ(count(s, "<td title="), 9u);  // 3 × 3
  EXPECT_NE(s.find("<td title='политика + экономика: 25 true, 27 predicted'>25 / 27</td>"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("<td title='экономика + культура: 3 true, 2 predicted'>3 / 2</td>"),
            std::string::npos);
  EXPECT_NE(s.find("<b>80 / 82</b>"), std::string::npos);  // diagonal: texts with the label
}

TEST_F(MultiLabelReport, CalibrationIsPerLabelWithoutTemperatureOrBins) {
  const std::string s = section(*page_, "calibration");
  EXPECT_EQ(s.find("Temperature"), std::string::npos);
  EXPECT_EQ(s.find("<svg"), std::string::npos) << "no reliability diagram without bins";
  EXPECT_NE(s.find("<td>after</td><td>0.18</td><td>0.0233</td><td>0.055</td>"), std::string::npos)
      << s;
  EXPECT_NE(s.find("<tr><td>политика</td><td>0.05</td><td>0.02</td><td>0.2</td><td>0.18</td>"),
            std::string::npos);
  // Calibration made культура's ECE worse: the row is highlighted.
  EXPECT_NE(s.find("<tr class='weak'><td>культура</td><td>0.03</td><td>0.032</td>"),
            std::string::npos);
  const std::string cards = page_->substr(0, page_->find("<h2"));
  EXPECT_NE(cards.find("0.05 → 0.0233</div><div class='card-note'>mean over labels"),
            std::string::npos);
}

TEST_F(MultiLabelReport, BaselineIsComparedLabelByLabel) {
  const std::string s = section(*page_, "baseline");
  EXPECT_NE(s.find("<tr><td>tfidf + multilabel</td><td>0.85</td><td>0.83</td></tr>"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("this run (bert + multilabel)</td><td>0.9064</td><td>0.8916</td>"),
            std::string::npos);
  EXPECT_NE(s.find("<td>difference</td><td>+0.0564</td><td>+0.0616</td>"), std::string::npos);
  EXPECT_NE(s.find("<tr><td>политика</td><td>0.9357</td><td>0.985</td><td>0.888</td><td>0.938</"
                   "td><td>80</td></tr>"),
            std::string::npos);
  EXPECT_EQ(s.find("accuracy"), std::string::npos) << "no single-label figures";
}

TEST_F(MultiLabelReport, SingleLabelSectionsStaySensible) {
  const std::string& page = *page_;
  const std::string cards = page.substr(0, page.find("<h2"));
  EXPECT_NE(cards.find("test micro-F1</div><div class='card-value'>0.9064"), std::string::npos);
  EXPECT_EQ(cards.find("test accuracy"), std::string::npos);
  const std::string classifier = section(page, "classifier");
  EXPECT_NE(classifier.find("Test at threshold 0.5 for every label, before calibration: subset "
                            "accuracy <b>0.78</b>, micro-F1 <b>0.87</b>"),
            std::string::npos)
      << classifier;
  EXPECT_EQ(count(classifier, "<tr"), 4u);  // per-class table: header + 3 labels
  const std::string confusion = section(page, "confusion");
  EXPECT_NE(confusion.find("no single confusion matrix"), std::string::npos);
  EXPECT_EQ(confusion.find("<svg"), std::string::npos);
  EXPECT_NE(section(page, "reranker").find("Not used.</b> multi-label run"), std::string::npos);
  EXPECT_EQ(count(section(page, "ood"), "class='threshold'"), 1u);
}

TEST(MultiLabelReportEdges, AnUndefinedAurocShowsADash) {
  json m = multilabel_metrics();
  for (json* label : {&m["multilabel"]["test"]["per_label"]["культура"],
                      &m["baseline"]["multilabel"]["test"]["per_label"]["культура"]}) {
    (*label)["roc_auc"] = nullptr;  // no positives among the test texts
    (*label)["average_precision"] = nullptr;
    (*label)["roc"] = {{"fpr", json::array()}, {"tpr", json::array()}};
  }
  const std::string page = render_html_report(m.dump());
  const std::string s = section(page, "multilabel");
  EXPECT_NE(s.find("AUROC <b><span title='undefined"), std::string::npos) << s;
  EXPECT_EQ(count(s, ">—</span>"), 4u);  // AUROC and AP, in the overview and the block
  EXPECT_NE(s.find("no ROC curve: the test texts of this label lack positives or negatives"),
            std::string::npos);
  EXPECT_EQ(count(s, "<svg"), 5u);
  EXPECT_EQ(count(section(page, "baseline"), ">—</span>"), 2u);  // baseline and this run
}

TEST(MultiLabelReportEdges, AThresholdTargetNotMetIsWarned) {
  json m = multilabel_metrics();
  auto& thresholds = m["multilabel"]["thresholds"];
  thresholds["strategy"] = "precision_at";
  thresholds["target"] = 0.95;
  thresholds["per_label"]["культура"]["target_met"] = false;
  const std::string s = section(render_html_report(m.dump()), "multilabel");
  EXPECT_NE(
      s.find("<b>precision_at</b>: the lowest threshold whose precision reaches <b>0.95</b>."),
      std::string::npos)
      << s;
  EXPECT_NE(s.find("<b>Target not reached on validation</b> for культура:"), std::string::npos);
  EXPECT_NE(s.find("<tr class='weak'><td><a href='#multilabel-label-3'>культура</a>"),
            std::string::npos);
}

TEST(MultiLabelReportEdges, WithoutTheThresholdsStageTheSectionsSayNotRun) {
  json m = multilabel_metrics();
  m.erase("multilabel");  // data.multi_label still says what kind of run it was
  const std::string page = render_html_report(m.dump());
  EXPECT_NE(section(page, "multilabel").find("Multi-label thresholds: not run."),
            std::string::npos);
  EXPECT_NE(section(page, "cooccurrence").find("not run"), std::string::npos);
  EXPECT_NE(section(page, "confusion").find("no single confusion matrix"), std::string::npos);
  const std::string cards = page.substr(0, page.find("<h2"));
  EXPECT_NE(cards.find("test accuracy</div><div class='card-value'>0.78"), std::string::npos);
}

TEST(MultiLabelReportEdges, LabelNamesAreEscapedEverywhere) {
  json m = multilabel_metrics();
  const std::string evil = "<b>&\"'";
  auto rename = [&](json& object) {
    object[evil] = object["политика"];
    object.erase("политика");
  };
  m["multilabel"]["labels"][0] = evil;
  m["multilabel"]["test"]["co_occurrence"]["labels"][0] = evil;
  rename(m["multilabel"]["test"]["per_label"]);
  rename(m["multilabel"]["thresholds"]["per_label"]);
  m["multilabel"]["thresholds"]["per_label"][evil]["target_met"] = false;
  rename(m["calibration"]["per_label"]);
  rename(m["baseline"]["multilabel"]["test"]["per_label"]);
  const std::string page = render_html_report(m.dump());
  EXPECT_EQ(page.find(evil), std::string::npos);
  EXPECT_EQ(page.find("<b>&"), std::string::npos);
  // Overview, block heading, warning, co-occurrence (header, row, 5 titles), calibration,
  // baseline.
  EXPECT_GE(count(page, "&lt;b&gt;&amp;&quot;&#39;"), 12u);
  EXPECT_NE(section(page, "multilabel").find("1. &lt;b&gt;&amp;&quot;&#39;</h3>"),
            std::string::npos);
}

TEST(MultiLabelReportEdges, MalformedFiguresNameTheField) {
  auto refused = [](const json& m, const std::string& field) {
    try {
      render_html_report(m.dump());
    } catch (const InputError& e) {
      return std::string(e.what()).find(field) != std::string::npos
                 ? ::testing::AssertionSuccess()
                 : ::testing::AssertionFailure() << e.what();
    }
    return ::testing::AssertionFailure() << "accepted";
  };
  json h = multilabel_metrics();
  h["multilabel"]["test"]["per_label"]["экономика"]["histogram"]["positive"].erase(0);
  EXPECT_TRUE(refused(h, "multilabel.test.per_label[\"экономика\"].histogram"));
  json r = multilabel_metrics();
  r["multilabel"]["test"]["per_label"]["культура"]["roc"]["tpr"].erase(0);
  EXPECT_TRUE(refused(r, "multilabel.test.per_label[\"культура\"].roc"));
  json c = multilabel_metrics();
  c["multilabel"]["test"]["co_occurrence"]["tuned"][1].erase(0);
  EXPECT_TRUE(refused(c, "multilabel.test.co_occurrence.tuned row 1 must hold 3 numbers"));
  json l = multilabel_metrics();
  l["multilabel"]["labels"][1] = 7;
  EXPECT_TRUE(refused(l, "multilabel.labels must hold strings only"));
  json t = multilabel_metrics();
  t["multilabel"]["test"]["per_label"]["политика"]["histogram"]["edges"] = "0..1";
  EXPECT_TRUE(refused(t,
                      "multilabel.test.per_label[\"политика\"].histogram.edges must be an "
                      "array of numbers"));
}

// The multi-label hooks leave single-label runs as they were: the same sections, nothing
// multi-label, the temperature and reliability diagram still drawn.
TEST(MultiLabelReportEdges, SingleLabelRunsRenderAsBefore) {
  const std::string page = render_html_report(read_text(sample("metrics_full.json")));
  std::string ids;
  for (size_t at = page.find("<h2 id='"); at != std::string::npos;
       at = page.find("<h2 id='", at + 1))
    ids += page.substr(at + 8, page.find('\'', at + 8) - at - 8) + " ";
  EXPECT_EQ(ids, "summary classifier confusion calibration ood reranker baseline serving ");
  EXPECT_EQ(page.find("multilabel"), std::string::npos);
  EXPECT_EQ(page.find("Multi-label"), std::string::npos);
  EXPECT_EQ(page.find("title='undefined"), std::string::npos);
  const std::string calibration = section(page, "calibration");
  EXPECT_NE(calibration.find("<p>Temperature <b>0.7627</b> (temperature, fitted on validation, "
                             "measured on test).</p>"),
            std::string::npos)
      << calibration.substr(0, 400);
  EXPECT_NE(calibration.find("<h3>Reliability diagram</h3>"), std::string::npos);
  EXPECT_NE(section(page, "classifier").find("<p>Test: accuracy <b>0.9725</b>, macro-F1 <b>"),
            std::string::npos);
  const std::string cards = page.substr(0, page.find("<h2"));
  EXPECT_NE(cards.find("test accuracy"), std::string::npos);
  EXPECT_NE(cards.find("before → after temperature"), std::string::npos);
  // A single-label calibrator that reports no bins gets no empty reliability diagram.
  json m = json::parse(read_text(sample("metrics_full.json")));
  m["calibration"]["before"].erase("bins");
  m["calibration"]["after"].erase("bins");
  m["calibration"].erase("temperature");
  m["calibration"]["calibrator"] = "vector";
  const std::string bare = section(render_html_report(m.dump()), "calibration");
  EXPECT_EQ(bare.find("<svg"), std::string::npos);
  EXPECT_NE(bare.find("<p>Calibrator: vector, fitted on validation"), std::string::npos) << bare;
}

// A run with [pretrain] shows its MLM curves before the classifier; a run without has none.
TEST(PretrainReport, DrawsTheMaskedLanguageModelCurves) {
  json m = json::parse(read_text(sample("metrics_full.json")));
  EXPECT_EQ(section(render_html_report(m.dump()), "pretrain"), "");
  m["pretrain"] = {{"encoder", "bert"},
                   {"texts", 7203},
                   {"corpus_texts", 3},
                   {"tokens", 251000},
                   {"mask_probability", 0.15},
                   {"whole_word_mask", true},
                   {"best_step", 450},
                   {"steps", 450},
                   {"best_validation", {{"loss", 3.21}, {"accuracy", 0.41}, {"perplexity", 24.8}}},
                   {"history", {{{"step", 10}, {"loss", 8.9}}, {{"step", 20}, {"loss", 7.5}}}},
                   {"evaluations",
                    {{{"step", 225}, {"loss", 4.1}, {"accuracy", 0.3}},
                     {{"step", 450}, {"loss", 3.21}, {"accuracy", 0.41}}}}};
  const std::string page = render_html_report(m.dump());
  const std::string s = section(page, "pretrain");
  ASSERT_NE(s, "");
  EXPECT_LT(page.find("<h2 id='pretrain'>"), page.find("<h2 id='classifier'>"));
  EXPECT_EQ(count(s, "<svg"), 2u);
  EXPECT_EQ(count(s, "<polyline"), 3u);  // training loss; held-out loss and accuracy
  EXPECT_EQ(count(s, "<circle"), 4u);    // 2 evaluations × 2 series
  EXPECT_NE(s.find("masked-token accuracy <b>0.41</b>"), std::string::npos) << s;
  EXPECT_NE(s.find("by whole words"), std::string::npos) << s;
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
