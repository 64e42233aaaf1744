// Black-box tests of the `rubrika` binary: exit codes, messages and outputs users see.
#include "test_process.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rubrika {
namespace {

using testing::ProcessResult;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;
const std::filesystem::path kPlugins = RUBRIKA_TEST_PLUGIN_DIR;

ProcessResult rubrika(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), kCli);
  env.emplace("RUBRIKA_PLUGIN_PATH", (kPlugins / "good").string());
  return run_process(args, env);
}

// Lines of stderr other than timestamped log lines ("2026-12-01 07:06:48.311 INFO ..."),
// which a process may print before it fails — the BLAS core fix on AVX-512 machines does.
int error_lines(const std::string& err) {
  std::istringstream in(err);
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    const bool log_line = line.size() > 24 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                          line[4] == '-' && line[10] == ' ';
    if (!log_line) ++count;
  }
  return count;
}

class TempRecipe {
 public:
  explicit TempRecipe(const std::string& text) {
    dir_ = std::filesystem::temp_directory_path() /
           ("rubrika_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    std::ofstream(path()) << text;
  }
  ~TempRecipe() { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "recipe.toml").string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

TEST(Cli, HelpListsCommandsAndUnknownCommandFails) {
  auto help = rubrika({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("recipe check"), std::string::npos);
  auto unknown = rubrika({"fly"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command 'fly'"), std::string::npos);
}

TEST(Cli, EveryCommandHasHelp) {
  for (auto words : std::vector<std::vector<std::string>>{
           {"plugins", "list"}, {"recipe", "check"}, {"recipe", "show"}, {"doctor"}}) {
    words.push_back("--help");
    auto r = rubrika(words);
    EXPECT_EQ(r.exit_code, 0) << words[0];
    EXPECT_NE(r.out.find("usage: rubrika"), std::string::npos) << words[0];
  }
}

TEST(Cli, UnknownOptionIsAUsageError) {
  auto r = rubrika({"plugins", "list", "--jsn"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("jsn"), std::string::npos);
}

TEST(Cli, PluginsListJsonShowsTestPluginsThroughTheLoader) {
  auto r = rubrika({"plugins", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  std::set<std::string> names;
  for (const auto& p : json["plugins"])
    names.insert(p["kind"].get<std::string>() + "/" + p["name"].get<std::string>());
  EXPECT_TRUE(names.count("calibrator/test_softmax"));
  EXPECT_TRUE(names.count("ood/test_constant"));
  for (const auto& p : json["plugins"])
    EXPECT_TRUE(std::filesystem::exists(p["file"].get<std::string>()));
}

TEST(Cli, BrokenPluginFolderFailsWithPluginExitCode) {
  auto r = run_process({kCli, "plugins", "list"},
                       {{"RUBRIKA_PLUGIN_PATH", (kPlugins / "bad_abi").string()}});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("ABI version 99"), std::string::npos) << r.err;
}

TEST(Cli, RecipeCheckAcceptsAGoodRecipe) {
  TempRecipe recipe("[run]\nname = \"t\"\n[calibrator]\ntype = \"test_softmax\"\nscale = 1.5\n");
  auto r = rubrika({"recipe", "check", recipe.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("recipe OK"), std::string::npos);
  EXPECT_NE(r.out.find("calibrator/test_softmax"), std::string::npos);
}

TEST(Cli, RecipeCheckMisspelledKeyGivesLineColumnAndSuggestion) {
  TempRecipe recipe("[calibrator]\ntype = \"test_softmax\"\nsclae = 1.5\n");
  auto r = rubrika({"recipe", "check", recipe.path()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(recipe.path() + ":3:1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'scale'?"), std::string::npos) << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << "one line: " << r.err;
}

TEST(Cli, RecipeCheckUnknownPluginPointsAtType) {
  TempRecipe recipe("[calibrator]\ntype = \"temprature\"\n");
  auto r = rubrika({"recipe", "check", recipe.path()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find(recipe.path() + ":2:8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("available calibrator plugins: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("test_softmax"), std::string::npos) << r.err;
}

TEST(Cli, SetOverridesAreValidatedToo) {
  TempRecipe recipe("[calibrator]\ntype = \"test_softmax\"\n");
  auto ok = rubrika({"recipe", "check", recipe.path(), "--set", "calibrator.scale=2"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto bad = rubrika({"recipe", "check", recipe.path(), "--set", "calibrator.scale=-1"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("--set calibrator.scale=-1"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("out of range"), std::string::npos) << bad.err;
}

// The tables the training stages read are checked before training: a loss key that does not
// apply, a classifier key in the reranker's trainer table, a [decision] typo.
TEST(Cli, RecipeCheckReadsTheTrainingTablesWithTheStagesReaders) {
  TempRecipe recipe(
      "[train]\nloss = \"focal\"\nfocal_gamma = 1.5\nlabel_smoothing = 0.1\n"
      "[reranker_train.train]\nepochs = 2\n[decision]\ntau_other = 0.3\n");
  auto ok = rubrika({"recipe", "check", recipe.path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"train.loss=\"ce\"", "focal_gamma"},
      {"reranker_train.train.label_smoothing=0.1", "label_smoothing"},
      {"decision.tau_otherr=0.3", "tau_otherr"}};
  for (const auto& [set, key] : bad) {
    SCOPED_TRACE(set);
    auto r = rubrika({"recipe", "check", recipe.path(), "--set", set});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
  }
  // A key written in the file is named at its line.
  TempRecipe in_file("[reranker_train.train]\nepochs = 2\nfreeze_encoder = true\n");
  auto r = rubrika({"recipe", "check", in_file.path()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(in_file.path() + ":3:1"), std::string::npos) << r.err;
}

TEST(Cli, RecipeShowPrintsTheResolvedRecipe) {
  TempRecipe recipe("[run]\nname = \"t\"\n");
  auto r = rubrika({"recipe", "show", recipe.path(), "--set", "run.seed=9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto shown = toml::parse(r.out);
  EXPECT_EQ(shown["run"]["seed"].value<int64_t>(), 9);
  auto output_dir = shown["run"]["output_dir"].value<std::string>();
  ASSERT_TRUE(output_dir);
  EXPECT_TRUE(std::filesystem::path(*output_dir).is_absolute());
}

TEST(Cli, MissingRecipeIsAnIoError) {
  auto r = rubrika({"recipe", "check", "/no/such/recipe.toml"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("/no/such/recipe.toml"), std::string::npos);
}

TEST(Cli, DoctorReportsBlasCoreAndGemmSpeed) {
  auto r = rubrika({"doctor", "--json", "--gemm-seconds", "0.3"});
  auto json = nlohmann::json::parse(r.out);
  EXPECT_TRUE(json["blas"]["openblas"].get<bool>());
  EXPECT_FALSE(json["blas"]["core"].get<std::string>().empty());
  EXPECT_GT(json["gemm_fp32"]["gflops"].get<double>(), 0.0);
  EXPECT_EQ(json["threads"]["intra_op"], json["threads"]["usable_cores"]);
  EXPECT_EQ(r.exit_code, json["problems"].empty() ? 0 : 1);
}

TEST(Cli, DoctorFlagsAUserChosenSlowCore) {
  auto r =
      rubrika({"doctor", "--json", "--gemm-seconds", "0"}, {{"OPENBLAS_CORETYPE", "Prescott"}});
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["blas"]["core"], "Prescott");  // a value the user set is respected
  ASSERT_FALSE(json["problems"].empty());
  EXPECT_NE(json["problems"][0].get<std::string>().find("OPENBLAS_CORETYPE="), std::string::npos);
  EXPECT_EQ(r.exit_code, 1);
}

TEST(Cli, TokenizeMatchesTheFixtureAndAcceptsDashTexts) {
  const std::string model = std::string(RUBRIKA_TEST_DATA_DIR) + "/hf-tiny-bert";
  auto r = rubrika({"tokenize", "--model", model, "--", "-Продаю iPhone"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["tokens"][0], "[CLS]");
  EXPECT_EQ(line["tokens"][1], "-");
  EXPECT_EQ(line["offsets"][1], (std::vector<int64_t>{0, 1}));
  auto missing = rubrika({"tokenize", "--model", "/no/such/model", "текст"});
  EXPECT_EQ(missing.exit_code, 6);
  EXPECT_NE(missing.err.find("/no/such/model"), std::string::npos);
}

TEST(Cli, VocabTrainWritesATokenizerFolder) {
  TempRecipe corpus(
      "Продаю диван кожаный\nСдаю квартиру на длительный срок\nПродаю диван угловой\n");
  const std::string out = corpus.path() + ".vocab";
  auto r = rubrika({"vocab", "train", "--corpus", corpus.path(), "--size", "64", "--min-frequency",
                    "1", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out + "/vocab.txt"));
  auto tokens = rubrika({"tokenize", "--model", out, "диван"});
  ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
  EXPECT_EQ(nlohmann::json::parse(tokens.out)["tokens"].size(), 3u);  // [CLS] диван [SEP]
  std::filesystem::remove_all(out);
  auto missing =
      rubrika({"vocab", "train", "--corpus", "/no/such.txt", "--size", "64", "--out", out});
  EXPECT_EQ(missing.exit_code, 6);
  auto usage = rubrika({"vocab", "train", "--corpus", corpus.path(), "--out", out});
  EXPECT_EQ(usage.exit_code, 2);  // --size is required
}

TEST(Cli, ThreadCountFollowsRubrikaNumThreads) {
  auto r = rubrika({"doctor", "--json", "--gemm-seconds", "0"}, {{"RUBRIKA_NUM_THREADS", "1"}});
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["threads"]["intra_op"], 1);
}

TEST(Cli, EncodePrintsTheFixtureLogits) {
  const std::string data = RUBRIKA_TEST_DATA_DIR;
  std::ifstream in(data + "/hf-tiny-bert/reference.json");
  const auto reference = nlohmann::json::parse(in)["single"][0];
  auto r = rubrika(
      {"encode", "--model", data + "/hf-tiny-bert", "--", reference["text"].get<std::string>()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["input_ids"], reference["input_ids"]);
  ASSERT_EQ(line["logits"].size(), reference["logits"].size());
  for (size_t i = 0; i < line["logits"].size(); ++i)
    EXPECT_NEAR(line["logits"][i].get<double>(), reference["logits"][i].get<double>(), 1e-4);
  auto missing = rubrika({"encode", "--model", "/no/such/model", "текст"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("/no/such/model"), std::string::npos);
}

TEST(Cli, BenchEncoderComparesPaddingStrategiesOnRealTexts) {
  TempRecipe texts(
      "Продаю диван\nСдаю квартиру на длительный срок в центре города, без посредников\n"
      "Шины\nНоутбук Lenovo ThinkPad, 16 ГБ памяти, SSD 512, зарядка в комплекте\n");
  auto r =
      rubrika({"bench", "encoder", "--model", std::string(RUBRIKA_TEST_DATA_DIR) + "/hf-tiny-bert",
               "--texts", texts.path(), "--batch", "2", "--seq", "64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* row : {"max_length", "dynamic", "bucketed", "texts     4,"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  // Sorting by length leaves less padding than file order.
  auto padding = [&](const std::string& row) {
    const size_t at = r.out.find("% padding", r.out.find(row));
    return std::stod(r.out.substr(r.out.rfind(' ', at - 1) + 1, at));
  };
  EXPECT_LT(padding("bucketed"), padding("dynamic"));
  EXPECT_LT(padding("dynamic"), padding("max_length"));
  auto empty = rubrika({"bench", "encoder", "--shape", "tiny", "--texts", "/no/such/file.txt"});
  EXPECT_NE(empty.exit_code, 0);
}

TEST(Cli, BenchTrainReportsExamplesPerSecondAndPeakMemory) {
  auto r =
      rubrika({"bench", "train", "--model", std::string(RUBRIKA_TEST_DATA_DIR) + "/hf-tiny-bert",
               "--batch", "2", "--seq", "16", "--steps", "2", "--labels", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("batch 2 × seq 16, 1 warm-up + 2 timed steps"), std::string::npos) << r.out;
  const size_t result = r.out.find("result    ");
  ASSERT_NE(result, std::string::npos) << r.out;
  EXPECT_GT(std::stod(r.out.substr(result + 10)), 0.0);
  EXPECT_NE(r.out.find("GB after loading the model"), std::string::npos) << r.out;
  EXPECT_EQ(rubrika({"bench", "train", "--shape", "tiny", "--warmup", "0"}).exit_code, 2);
  EXPECT_EQ(rubrika({"bench", "train", "--batch", "4"}).exit_code, 2);  // no --model/--shape
}

}  // namespace
}  // namespace rubrika
