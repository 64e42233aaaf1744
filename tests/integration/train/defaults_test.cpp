// The defaults on realistic data: a whole run through run_training() (tfidf + linear,
// temperature, MSP with energy beside it, the cross-encoder) on tests/data/intents, nine
// Russian support intents with shared vocabulary and no label descriptions, and an
// out-of-domain pool of other-domain texts. With no [ood] rule given, every scorer must
// reject some OOD texts while accepting at least 90% of in-domain test texts; the reranker
// must be skipped for labels without descriptions, and when forced onto label names it must
// never lower validation top-1 as served; the 56-text validation split must be checked by
// cross-validation before calibrating.
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/train/run_training.hpp>

#include "train_plugins.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

const fs::path kIntents = fs::path(RUBRIKA_TEST_DATA_DIR) / "intents";
const fs::path kTinyBert = fs::path(RUBRIKA_TEST_DATA_DIR) / "hf-tiny-bert";

using train_test::registry;

// A fast model and every default that is under test left unset: no [ood] rule or gate, no
// [calibrator] min_validation, no [decision] rerank_tau. Logistic regression on TF-IDF as
// the baseline stage trains it (frozen encoder, pooled row, no dropout, lr 0.05).
std::string recipe_text(const fs::path& dir, const std::string& reranker_extra,
                        const std::string& reranker_train) {
  return "[run]\nname = \"intents\"\noutput_dir = \"" + dir.string() +
         "\"\nseed = 7\ndevice = \"cpu\"\n\n"
         "[data]\ntrain = \"" +
         (kIntents / "intents.csv").string() + "\"\nood = \"" + (kIntents / "ood.csv").string() +
         "\"\ntext_fields = [\"text\"]\nlabel_field = \"label\"\n\n"
         "[normalizer]\nlowercase = true\nyo_to_e = true\n\n"
         "[encoder]\ntype = \"tfidf\"\nmax_features = 5000\n\n"
         "[head]\ntype = \"linear\"\nfeatures = \"pooled\"\ndropout = 0.0\n\n"
         "[train]\nfreeze_encoder = true\nepochs = 10\nbatch_size = 32\n"
         "learning_rate = 0.05\nweight_decay = 0.0\ngroup_by_length = false\n\n"
         "[calibrator]\ntype = \"temperature\"\n\n"
         "[ood]\ntype = \"msp\"\n\n"
         "[ood_report]\nscorers = [\"energy\"]\n\n"
         "[reranker]\ntype = \"cross_encoder\"\nmodel = \"" +
         kTinyBert.string() + "\"\nmax_length = 64\n" + reranker_extra + "\n" + reranker_train +
         "\n[baseline]\nenabled = false\n";
}

class RealisticDefaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rubrika_defaults_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  nlohmann::json train(const std::string& reranker_extra = {},
                       const std::string& reranker_train = {}) const {
    const Recipe recipe =
        Recipe::parse(recipe_text(dir_, reranker_extra, reranker_train), dir_ / "recipe.toml");
    run_training(recipe, registry(), TrainRequest{});
    std::ifstream in(dir_ / "intents" / "metrics.json");
    return nlohmann::json::parse(in);
  }

  fs::path dir_;
};

// What the defaults give on this collection, for whoever reads the test log.
void print_figures(const nlohmann::json& m) {
  const auto get = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) ? j[key].dump() : std::string("(absent)");
  };
  std::cout << "classifier test accuracy " << get(m["classifier"]["test"], "accuracy") << "\n";
  for (const auto& [name, r] : m["ood"]["scorers"].items())
    std::cout << "ood " << name << ": rejection " << get(r, "ood_rejection")
              << ", in-domain acceptance " << get(r, "in_domain_acceptance")
              << ", validation flag rate " << get(r, "validation_flag_rate") << ", auroc "
              << get(r, "auroc") << ", warnings " << get(r, "warnings") << "\n";
  const auto& c = m["calibration"];
  std::cout << "calibration: temperature " << get(c, "temperature") << ", kept_uncalibrated "
            << get(c, "kept_uncalibrated") << ", small_validation_check "
            << get(c, "small_validation_check") << "\n";
  const auto& r = m["reranker"];
  std::cout << "reranker: used " << get(r, "used") << ", validation_top1 "
            << get(r, "validation_top1") << ", cascade tau "
            << (r.contains("cascade") ? get(r["cascade"], "tau") : "(absent)") << ", reason "
            << get(r, "not_used_reason") << "\n";
}

void expect_defaults_for_ood_and_calibration(const nlohmann::json& m) {
  ASSERT_TRUE(m.contains("data")) << m.dump(1);
  EXPECT_EQ(m["data"]["counts"]["ood"], 200);
  // Nine intents are far from chance (0.11) but not perfectly told apart by TF-IDF.
  EXPECT_GT(m["classifier"]["test"]["accuracy"].get<double>(), 0.6) << m["classifier"].dump(1);

  ASSERT_TRUE(m.contains("ood")) << m.dump(1);
  const auto& scorers = m["ood"]["scorers"];
  ASSERT_TRUE(scorers.contains("msp")) << scorers.dump(1);
  ASSERT_TRUE(scorers.contains("energy")) << scorers.dump(1);
  for (const auto& [name, r] : scorers.items()) {
    SCOPED_TRACE("ood scorer " + name);
    ASSERT_TRUE(r.contains("ood_rejection")) << r.dump(1);
    ASSERT_TRUE(r.contains("in_domain_acceptance")) << r.dump(1);
    ASSERT_TRUE(r.contains("validation_flag_rate")) << r.dump(1);
    ASSERT_TRUE(r.contains("warnings")) << r.dump(1);
    EXPECT_GT(r["ood_rejection"].get<double>(), 0.0) << r.dump(1);
    EXPECT_GE(r["in_domain_acceptance"].get<double>(), 0.9) << r.dump(1);
    EXPECT_TRUE(r["warnings"].empty()) << r["warnings"].dump(1);
  }

  // 8% of 700 texts is a validation split far below the default min_validation of 300.
  ASSERT_TRUE(m.contains("calibration")) << m.dump(1);
  const auto& c = m["calibration"];
  ASSERT_TRUE(c.contains("small_validation_check")) << c.dump(1);
  const auto& check = c["small_validation_check"];
  EXPECT_LT(check["validation_texts"].get<int64_t>(), 300) << check.dump(1);
  EXPECT_EQ(check["validation_texts"], m["data"]["counts"]["validation"]);
  EXPECT_EQ(check["min_validation"], 300);
  EXPECT_EQ(check["folds"], 5);
  // Either outcome is allowed; what it says must match what was done.
  if (c.value("kept_uncalibrated", false))
    EXPECT_FALSE(check["calibrate"].get<bool>()) << c.dump(1);
  else
    EXPECT_TRUE(check["calibrate"].get<bool>()) << c.dump(1);
}

TEST_F(RealisticDefaults, OodRejectsAtNinetyPercentAcceptanceAndTheRerankerWaitsForDescriptions) {
  const auto m = train();
  print_figures(m);
  expect_defaults_for_ood_and_calibration(m);

  ASSERT_TRUE(m.contains("reranker")) << m.dump(1);
  const auto& r = m["reranker"];
  EXPECT_EQ(r["used"], false) << r.dump(1);
  ASSERT_TRUE(r.contains("not_used_reason")) << r.dump(1);
  const std::string reason = r["not_used_reason"];
  EXPECT_NE(reason.find("description"), std::string::npos) << reason;
  EXPECT_FALSE(fs::exists(dir_ / "intents" / "reranker" / "config.json"));
}

TEST_F(RealisticDefaults, ARerankerOnLabelNamesNeverLowersValidationTopOneAsServed) {
  const auto m = train("allow_label_names = true\n",
                       "[reranker_train]\nmax_train_texts = 150\n\n"
                       "[reranker_train.train]\nepochs = 1\nbatch_size = 16\n");
  print_figures(m);
  ASSERT_TRUE(m.contains("reranker")) << m.dump(1);
  const auto& r = m["reranker"];
  ASSERT_TRUE(r.contains("used")) << r.dump(1);
  ASSERT_TRUE(r.contains("validation_top1")) << r.dump(1);
  // As served, the reranker runs through the cascade: it is used only when the cascade
  // raises validation top-1, and otherwise never runs (tau 0).
  const double classifier = r["validation_top1"]["classifier"].get<double>();
  const double cascade = r["validation_top1"]["cascade"].get<double>();
  ASSERT_TRUE(r.contains("cascade")) << r.dump(1);
  if (r["used"].get<bool>()) {
    EXPECT_GT(cascade, classifier) << r.dump(1);
  } else {
    EXPECT_LE(cascade, classifier) << r.dump(1);
    EXPECT_EQ(r["cascade"]["tau"].get<double>(), 0.0) << r.dump(1);
    EXPECT_EQ(r["cascade"]["trigger_rate"].get<double>(), 0.0) << r.dump(1);
    ASSERT_TRUE(r.contains("not_used_reason")) << r.dump(1);
  }
}

}  // namespace
}  // namespace rubrika
