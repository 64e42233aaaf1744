// `predict --input` and `eval --data [--ood]` on plain files: CSV, TSV, JSONL and plain text
// (one text a line) read like the data stage reads [data]; unlabelled files scored as
// out-of-domain; errors that name the file and line. One tiny tfidf + linear run, trained
// once through `rubrika train`, serves every test.
#include "test_process.hpp"
#include "word_ads.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace rubrika {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;

ProcessResult rubrika(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return run_process(args, {});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

void write(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

// Multi-label rows title,labels: one or two of the classes above ("Мебель|Авто"), or none.
std::string topics_csv(int rows, unsigned seed) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> topics = {
      {"Мебель", {"диван", "шкаф", "стол", "кресло"}},
      {"Авто", {"машина", "двигатель", "колеса", "пробег"}},
      {"Работа", {"вакансия", "зарплата", "график", "резюме"}}};
  std::mt19937 rng(seed);
  std::string csv = "title,labels\n";
  for (int i = 0; i < rows; ++i) {
    const size_t first = rng() % topics.size(), second = rng() % (topics.size() + 1);
    std::string text = "объявление " + std::to_string(i), labels;
    for (size_t t = 0; t < topics.size(); ++t) {
      if (t != first && t != second) continue;
      if (i % 7 == 0) break;  // no topic at all
      const auto& words = topics[t].second;
      text += " " + words[rng() % words.size()] + " " + words[rng() % words.size()];
      labels += (labels.empty() ? "" : "|") + topics[t].first;
    }
    csv += text + "," + labels + "\n";
  }
  return csv;
}

class InputFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("rubrika_cli_inputs_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    write(*dir_ / "ads.csv", testing::word_ads_csv(60, 3));
    write(*dir_ / "test.csv", testing::word_ads_csv(10, 5));
    std::string ood = "title,description\n";
    for (int i = 0; i < 20; ++i)
      ood += "погода завтра,дождь и ветер в городе " + std::to_string(i) + "\n";
    write(*dir_ / "ood.csv", ood);
    for (const char* name : {"split", "own_test"}) {
      std::string recipe = "[run]\nname = \"" + std::string(name) + "\"\noutput_dir = \"" +
                           dir_->string() +
                           "/runs\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" +
                           (*dir_ / "ads.csv").string() + "\"\n";
      if (std::string(name) == "own_test")
        recipe += "test = \"" + (*dir_ / "test.csv").string() + "\"\n";
      recipe +=
          "text_fields = [\"title\", \"description\"]\nlabel_field = \"category\"\n\n"
          "[encoder]\ntype = \"tfidf\"\n\n[head]\ntype = \"linear\"\n\n"
          "[train]\nepochs = 3\nbatch_size = 16\nlearning_rate = 0.05\n\n"
          "[calibrator]\ntype = \"temperature\"\n\n[ood]\ntype = \"msp\"\n\n"
          "[ood_report]\nscorers = [\"energy\"]\n";
      const fs::path file = *dir_ / (std::string(name) + ".toml");
      write(file, recipe);
      const ProcessResult r = rubrika({"train", file.string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    train_topics_run();
  }
  // A multi-label run: per_label calibration and thresholds, labels as "a|b".
  static void train_topics_run() {
    write(*dir_ / "topics.csv", topics_csv(240, 11));
    write(*dir_ / "topics_eval.csv", topics_csv(30, 12));
    const std::string recipe =
        "[run]\nname = \"topics\"\noutput_dir = \"" + dir_->string() +
        "/runs\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" +
        (*dir_ / "topics.csv").string() +
        "\"\ntext_fields = [\"title\"]\nlabel_field = \"labels\"\nmulti_label = true\n\n"
        "[encoder]\ntype = \"tfidf\"\n\n[head]\ntype = \"multilabel\"\n\n"
        "[train]\nepochs = 4\nbatch_size = 16\nlearning_rate = 0.05\n\n"
        "[calibrator]\ntype = \"per_label\"\n\n[baseline]\nenabled = false\n";
    write(*dir_ / "topics.toml", recipe);
    const ProcessResult r = rubrika({"train", path("topics.toml")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static std::string run(const std::string& name = "split") { return path("runs/" + name); }

  static fs::path* dir_;
};
fs::path* InputFiles::dir_ = nullptr;

TEST_F(InputFiles, PredictReadsCsvTsvJsonlAndPlainTextAlike) {
  write(*dir_ / "in.csv",
        "title,description\nдиван шкаф,продаю стол недорого\n\"машина, седан\",продаю шины "
        "недорого\n");
  write(*dir_ / "in.tsv",
        "description\ttitle\nпродаю стол недорого\tдиван шкаф\nпродаю шины недорого\tмашина, "
        "седан\n");
  write(*dir_ / "in.jsonl",
        "{\"title\": \"диван шкаф\", \"description\": \"продаю стол недорого\"}\n\n"
        "{\"title\": \"машина, седан\", \"description\": \"продаю шины недорого\"}\n");
  // Plain text: one text a line (the fields as the data stage joins them), CRLF, a byte-order
  // mark and blank lines.
  write(*dir_ / "in.txt",
        "\xEF\xBB\xBFдиван шкаф. продаю стол недорого\r\n\r\n   \nмашина, седан. продаю шины "
        "недорого\n");
  std::vector<std::string> expected;
  for (const char* file : {"in.csv", "in.tsv", "in.jsonl", "in.txt"}) {
    SCOPED_TRACE(file);
    const ProcessResult r = rubrika({"predict", run(), "--input", path(file)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out;
    if (expected.empty()) expected = lines;
    EXPECT_EQ(lines, expected) << "the same texts give the same predictions";
  }
  EXPECT_EQ(nlohmann::json::parse(expected[0])["label"], "Мебель");
  EXPECT_EQ(nlohmann::json::parse(expected[1])["label"], "Авто");
  // A "text" field when the file has none of the run's, and --text-field to name any other.
  write(*dir_ / "text.jsonl", "{\"text\": \"диван шкаф. продаю стол недорого\"}\n");
  const ProcessResult text = rubrika({"predict", run(), "--input", path("text.jsonl")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(lines_of(text.out), std::vector<std::string>{expected[0]});
  write(*dir_ / "named.csv", "id,body\n1,диван шкаф. продаю стол недорого\n");
  const ProcessResult named =
      rubrika({"predict", run(), "--input", path("named.csv"), "--text-field", "body"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(lines_of(named.out), std::vector<std::string>{expected[0]});
}

TEST_F(InputFiles, InputErrorsNameTheFileAndLine) {
  const ProcessResult missing = rubrika({"predict", run(), "--input", path("missing.txt")});
  EXPECT_EQ(missing.exit_code, 6);  // IoError
  EXPECT_NE(missing.err.find(path("missing.txt")), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;

  write(*dir_ / "bad.txt", "диван\nшкаф \xFF\xFE стол\n");
  const ProcessResult bad = rubrika({"predict", run(), "--input", path("bad.txt")});
  EXPECT_EQ(bad.exit_code, 5);  // InputError
  EXPECT_NE(bad.err.find(path("bad.txt") + ":2"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("invalid UTF-8"), std::string::npos) << bad.err;

  write(*dir_ / "bad.csv", "title,description\nдиван,\xC3\x28\n");
  const ProcessResult bad_csv = rubrika({"eval", run(), "--data", path("bad.csv"), "--ood"});
  EXPECT_EQ(bad_csv.exit_code, 5);
  EXPECT_NE(bad_csv.err.find(path("bad.csv") + ":2"), std::string::npos) << bad_csv.err;

  write(*dir_ / "ragged.csv", "title,description\nдиван,шкаф,стол\n");
  const ProcessResult ragged = rubrika({"predict", run(), "--input", path("ragged.csv")});
  EXPECT_EQ(ragged.exit_code, 5);
  EXPECT_NE(ragged.err.find(path("ragged.csv") + ":2"), std::string::npos) << ragged.err;

  write(*dir_ / "columns.csv", "name,price\nдиван,100\n");
  const ProcessResult columns = rubrika({"predict", run(), "--input", path("columns.csv")});
  EXPECT_EQ(columns.exit_code, 5);
  EXPECT_NE(columns.err.find(path("columns.csv")), std::string::npos) << columns.err;
  EXPECT_NE(columns.err.find("'title', 'description'"), std::string::npos) << columns.err;
  EXPECT_NE(columns.err.find("--text-field"), std::string::npos) << columns.err;

  const ProcessResult format =
      rubrika({"predict", run(), "--input", path("in.csv"), "--format", "xml"});
  EXPECT_EQ(format.exit_code, 2);
}

// An empty text or a top-k below 1 is a clear error, not an answer.
TEST_F(InputFiles, EmptyTextsAndTopKBelowOneAreRefused) {
  const ProcessResult empty = rubrika({"predict", run(), "диван", "  "});
  EXPECT_EQ(empty.exit_code, 5) << empty.err;  // InputError
  EXPECT_NE(empty.err.find("text 2 is empty"), std::string::npos) << empty.err;
  for (const char* k : {"0", "-3"}) {
    const ProcessResult top = rubrika({"predict", run(), "диван", std::string("--top-k=") + k});
    EXPECT_EQ(top.exit_code, 2) << top.err;  // UsageError
    EXPECT_NE(top.err.find("--top-k must be at least 1"), std::string::npos) << top.err;
  }
}

TEST_F(InputFiles, EvalNamesTheFileItsTestSplitCameFrom) {
  const ProcessResult split = rubrika({"eval", run("split")});
  ASSERT_EQ(split.exit_code, 0) << split.err;
  EXPECT_NE(split.out.find("test split of " + path("ads.csv")), std::string::npos) << split.out;
  const ProcessResult own = rubrika({"eval", run("own_test"), "--json"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  const auto j = nlohmann::json::parse(own.out);
  EXPECT_EQ(j["data"], "test file " + path("test.csv"));
  EXPECT_EQ(j["texts"], 30);
}

TEST_F(InputFiles, EvalOnALabelledFileOfAnyFormat) {
  const ProcessResult csv = rubrika({"eval", run(), "--data", path("test.csv"), "--json"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto j = nlohmann::json::parse(csv.out);
  EXPECT_EQ(j["data"], path("test.csv"));
  EXPECT_EQ(j["texts"], 30);
  EXPECT_GT(j["classifier"]["accuracy"].get<double>(), 0.9);
  write(*dir_ / "labelled.jsonl",
        "{\"text\": \"диван шкаф\", \"kind\": \"Мебель\"}\n{\"text\": \"машина седан\", \"kind\": "
        "\"Авто\"}\n");
  const ProcessResult jsonl =
      rubrika({"eval", run(), "--data", path("labelled.jsonl"), "--label-field", "kind", "--json"});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(nlohmann::json::parse(jsonl.out)["texts"], 2);
  write(*dir_ / "unknown.jsonl",
        "{\"text\": \"диван\", \"kind\": \"Мебель\"}\n{\"text\": \"x\", \"kind\": \"Кошки\"}\n");
  const ProcessResult unknown =
      rubrika({"eval", run(), "--data", path("unknown.jsonl"), "--label-field", "kind"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_NE(unknown.err.find(path("unknown.jsonl") + ":2"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("Кошки"), std::string::npos) << unknown.err;
}

TEST_F(InputFiles, EvalOodScoresAnUnlabelledFileAgainstTheTestSplit) {
  const ProcessResult unlabelled = rubrika({"eval", run(), "--data", path("ood.csv")});
  EXPECT_EQ(unlabelled.exit_code, 5);
  EXPECT_NE(unlabelled.err.find(path("ood.csv")), std::string::npos) << unlabelled.err;
  EXPECT_NE(unlabelled.err.find("no label field 'category'"), std::string::npos) << unlabelled.err;
  EXPECT_NE(unlabelled.err.find("--ood"), std::string::npos) << unlabelled.err;
  EXPECT_EQ(rubrika({"eval", run(), "--ood"}).exit_code, 2) << "--ood needs --data";

  const ProcessResult r = rubrika({"eval", run(), "--data", path("ood.csv"), "--ood", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["data"], "test split of " + path("ads.csv"));
  EXPECT_EQ(j["ood_data"], path("ood.csv"));
  EXPECT_EQ(j["ood_texts"], 20);
  EXPECT_GT(j["texts"].get<int>(), 0);
  EXPECT_EQ(j["ood"]["primary"], "msp");
  for (const char* scorer : {"msp", "energy"}) {
    SCOPED_TRACE(scorer);
    const auto& s = j["ood"]["scorers"][scorer];
    ASSERT_TRUE(s.is_object()) << j.dump(2);
    for (const char* key : {"auroc", "aupr_in", "aupr_out", "fpr_at_95_tpr", "in_domain_acceptance",
                            "ood_rejection"}) {
      ASSERT_TRUE(s[key].is_number()) << key;
      EXPECT_GE(s[key].get<double>(), 0.0) << key;
      EXPECT_LE(s[key].get<double>(), 1.0) << key;
    }
    EXPECT_TRUE(s["threshold"].is_number()) << "the run's own threshold, from metrics.json";
    EXPECT_GT(s["auroc"].get<double>(), 0.7) << "weather texts share no word with the ads";
  }
  EXPECT_TRUE(j["ood_other_rate"].is_number());

  // Plain text works too, and the summary names the scorers.
  write(*dir_ / "ood.txt", "погода завтра\n\nдождь и ветер в городе\n");
  const ProcessResult plain = rubrika({"eval", run(), "--data", path("ood.txt"), "--ood"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find(path("ood.txt") + ": 2 texts"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("msp *"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("energy"), std::string::npos) << plain.out;
}

TEST_F(InputFiles, EvalAndPredictOnAMultiLabelRun) {
  const ProcessResult r =
      rubrika({"eval", run("topics"), "--data", path("topics_eval.csv"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["task"], "multi_label");
  EXPECT_EQ(report["texts"].get<int64_t>(), 30);
  for (const char* label : {"Мебель", "Авто", "Работа"}) {
    SCOPED_TRACE(label);
    ASSERT_TRUE(report["per_label"].contains(label));
    EXPECT_TRUE(report["per_label"][label].contains("threshold"));
  }
  EXPECT_TRUE(report["answered"].contains("macro_f1"));
  const ProcessResult summary = rubrika({"eval", run("topics")});
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("multi-label"), std::string::npos) << summary.out;

  const ProcessResult predicted = rubrika({"predict", run("topics"), "диван шкаф машина"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto p = nlohmann::json::parse(lines_of(predicted.out).at(0));
  EXPECT_TRUE(p["labels"].is_array()) << p.dump();
  EXPECT_EQ(p["label_scores"].size(), 3u) << p.dump();
}

TEST_F(InputFiles, MultiLabelEvalErrorsNameTheFileLineAndLabel) {
  write(*dir_ / "topics_unknown.csv", "title,labels\nдиван,Мебель\nмашина,Авто|Спорт\n");
  const ProcessResult unknown =
      rubrika({"eval", run("topics"), "--data", path("topics_unknown.csv")});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("unknown label 'Спорт'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("topics_unknown.csv:3"), std::string::npos) << unknown.err;
  write(*dir_ / "topics_unlabelled.csv", "title\nдиван\n");
  const ProcessResult unlabelled =
      rubrika({"eval", run("topics"), "--data", path("topics_unlabelled.csv")});
  EXPECT_NE(unlabelled.exit_code, 0);
  EXPECT_NE(unlabelled.err.find("has no labels"), std::string::npos) << unlabelled.err;
  EXPECT_NE(unlabelled.err.find("--ood"), std::string::npos) << unlabelled.err;
}

// `rubrika extend` on the multi-label run: a fourth topic is added from a file that labels it,
// the summary names the added label's test figures, the parent is left as it was and the
// extended run predicts four labels.
TEST_F(InputFiles, ExtendAddsALabelToAMultiLabelRun) {
  std::string csv = topics_csv(200, 21);
  std::string with_sport = "title,labels\n";
  std::istringstream rows(csv.substr(csv.find('\n') + 1));
  int i = 0;
  for (std::string row; std::getline(rows, row); ++i) {
    if (i % 3 != 0) {
      with_sport += row + "\n";
      continue;
    }
    const size_t comma = row.rfind(',');
    const std::string labels = row.substr(comma + 1);
    with_sport +=
        row.substr(0, comma) + " футбол матч," + labels + (labels.empty() ? "" : "|") + "Спорт\n";
  }
  write(*dir_ / "topics_sport.csv", with_sport);
  const auto manifest_before = fs::last_write_time(run("topics") + "/pipeline.toml");
  const std::string out = run("topics_sport");
  const ProcessResult r = rubrika({"extend", run("topics"), "--data", path("topics_sport.csv"),
                                   "--add-labels", "Спорт", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("added Спорт: test ROC AUC"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("largest logit change against the parent 0.0000"), std::string::npos)
      << r.out;
  EXPECT_EQ(fs::last_write_time(run("topics") + "/pipeline.toml"), manifest_before);

  const ProcessResult predicted = rubrika({"predict", out, "футбол матч диван"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto p = nlohmann::json::parse(lines_of(predicted.out).at(0));
  EXPECT_EQ(p["label_scores"].size(), 4u) << p.dump();

  const ProcessResult again = rubrika({"extend", run("topics"), "--data", path("topics_sport.csv"),
                                       "--add-labels", "Спорт", "--out", out});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

TEST_F(InputFiles, ExtendRefusesALabelTheRunAlreadyHasOrLacks) {
  const ProcessResult known = rubrika({"extend", run("topics"), "--data", path("topics.csv"),
                                       "--add-labels", "Авто", "--out", run("topics_x")});
  EXPECT_NE(known.exit_code, 0);
  EXPECT_NE(known.err.find("'Авто' is already one of the run's labels"), std::string::npos)
      << known.err;
  const ProcessResult unknown =
      rubrika({"extend", run("topics"), "--remove-labels", "Погода", "--out", run("topics_x")});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("'Погода' is not one of the run's labels"), std::string::npos)
      << unknown.err;
  EXPECT_FALSE(fs::exists(run("topics_x")));
}

}  // namespace
}  // namespace rubrika
