// `rubrika extend` on small real runs (tfidf encoders, trained here): labels added to a
// multi-label news run and to a single-label intents run, a label removed, a second
// extension of an extended run, and the mistakes a user makes. What users rely on: the old
// labels answer exactly as the parent did, the parent folder is never touched, the added
// labels are learnt, and pipeline.toml says where the run came from.
#include <rubrika/data/csv.hpp>
#include <rubrika/data/news_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/safetensors.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/state/state_file.hpp>
#include <rubrika/train/extend_run.hpp>
#include <rubrika/train/run_training.hpp>

#include "train_plugins.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

using train_test::registry;

const std::vector<std::string> kOld = {"политика", "экономика", "культура"};

fs::path test_root() {
  static const fs::path root =
      fs::temp_directory_path() / ("rubrika_extend_" + std::to_string(getpid()));
  return root;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json(const fs::path& file) { return nlohmann::json::parse(read_file(file)); }

// Every file of a folder with its bytes: the parent must come out of an extension unchanged.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      files[fs::relative(entry.path(), dir).string()] = read_file(entry.path());
  return files;
}

// The parent's [data] as `rubrika extend` reads it: its saved recipe.toml.
DatasetOptions parent_data(const fs::path& run) {
  const Recipe recipe = Recipe::load(RunLayout(run).recipe());
  DatasetOptions options = DatasetOptions::from_toml(*recipe.section("data"), recipe.run().seed);
  options.synth.reset();
  return options;
}

ExtendRequest request_for(const fs::path& parent, const fs::path& out, const fs::path& data,
                          std::vector<std::string> add, std::vector<std::string> remove = {}) {
  ExtendRequest r;
  r.parent = parent;
  r.out = out;
  r.data = data;
  r.parent_data = parent_data(parent);
  r.new_data = r.parent_data;
  r.options.add = std::move(add);
  r.options.remove = std::move(remove);
  r.device = "cpu";
  return r;
}

// A multi-label news run of three topics; its file also lists технологии and спорт in
// all_labels, as a newsroom's archive would once the business asks for them.
class ExtendNews : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(test_root());
    fs::create_directories(test_root());
    NewsSynthRequest news;
    news.catalogue = fs::path(RUBRIKA_SOURCE_DIR) / "configs/categories/news_ru.toml";
    news.n = 900;
    news.seed = 5;
    news.out = test_root() / "news.jsonl";
    news.topics = kOld;
    synthesize_news(news);
    const std::string text =
        "[run]\nname = \"news\"\noutput_dir = \"" + test_root().string() +
        "\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" + news.out.string() +
        "\"\ntext_fields = [\"title\", \"body\"]\nmulti_label = true\nlabel_field = \"labels\"\n"
        "split = [0.7, 0.1, 0.2]\n\n[encoder]\ntype = \"tfidf\"\nmax_features = 4000\n\n"
        "[head]\ntype = \"multilabel\"\n\n[train]\nfreeze_encoder = true\nepochs = 4\n"
        "learning_rate = 0.05\nbatch_size = 32\n\n[calibrator]\ntype = \"per_label\"\n"
        "method = \"platt\"\n\n[ood]\ntype = \"msp\"\n\n[baseline]\nenabled = false\n";
    parent_ =
        run_training(Recipe::parse(text, test_root() / "recipe.toml"), registry(), TrainRequest{});
    data_ = news.out;
    // A fixed set of texts: the file's first items, as a user would send them.
    std::ifstream in(news.out);
    for (std::string line; std::getline(in, line) && texts_.size() < 60;) {
      const auto item = nlohmann::json::parse(line);
      texts_.push_back(item["title"].get<std::string>() + ". " + item["body"].get<std::string>());
    }
  }
  static void TearDownTestSuite() { fs::remove_all(test_root()); }

  static ExtendRequest add_two(const fs::path& out) {
    ExtendRequest r = request_for(parent_, out, data_, {"технологии", "спорт"});
    r.new_data.label_field = "all_labels";
    r.new_data.label_columns.clear();
    return r;
  }

  static inline fs::path parent_, data_;
  static inline std::vector<std::string> texts_;
};

std::vector<Prediction> predict(const fs::path& run, const std::vector<std::string>& texts) {
  return Pipeline::load(run, registry(), "cpu")->predict(texts, PredictOptions{});
}

const LabelDecision& score_of(const Prediction& p, const std::string& label) {
  for (const auto& s : p.label_scores)
    if (s.label == label) return s;
  throw std::runtime_error("no label " + label);
}

TEST_F(ExtendNews, AddsLabelsAndOldLabelsAnswerExactlyAsTheParent) {
  const auto before = snapshot(parent_);
  const fs::path out = test_root() / "news_plus";
  const nlohmann::json report = extend_run(add_two(out), registry());
  EXPECT_EQ(snapshot(parent_), before) << "the parent run folder was modified";

  // Old labels: the same probability, threshold and decision, bit for bit.
  const auto parent = predict(parent_, texts_);
  const auto child = predict(out, texts_);
  ASSERT_EQ(child.size(), parent.size());
  for (size_t i = 0; i < parent.size(); ++i) {
    ASSERT_EQ(child[i].label_scores.size(), 5u);
    for (const auto& label : kOld) {
      SCOPED_TRACE(label + " on text " + std::to_string(i));
      EXPECT_EQ(score_of(child[i], label).p, score_of(parent[i], label).p);
      EXPECT_EQ(score_of(child[i], label).threshold, score_of(parent[i], label).threshold);
      EXPECT_EQ(score_of(child[i], label).on, score_of(parent[i], label).on);
    }
  }
  EXPECT_EQ(report["check"]["old_logits_max_abs_difference"].get<double>(), 0.0);
  EXPECT_EQ(report["check"]["old_probabilities_max_abs_difference"].get<double>(), 0.0);
  EXPECT_LT(report["check"]["cached_features_max_abs_difference"].get<double>(), 1e-5);

  // The parent's head and calibration are kept as they were written.
  EXPECT_EQ(read_file(RunLayout(out).head()), read_file(RunLayout(parent_).head()));
  state::StateReader parent_state(RunLayout(parent_).state());
  state::StateReader child_state(RunLayout(out).state());
  const TensorMap old_calibration = parent_state.read_tensor_map("calibrator");
  const TensorMap kept = child_state.read_tensor_map("calibrator");
  ASSERT_EQ(kept.size(), old_calibration.size());
  for (const auto& [key, tensor] : old_calibration)
    EXPECT_TRUE(torch::equal(kept.at(key), tensor)) << key;

  // Old labels' test figures are the parent's; the added ones are learnt.
  for (const auto& label : kOld) {
    const auto& row = report["old_labels"][label];
    EXPECT_EQ(row["roc_auc"], row["parent_roc_auc"]) << label;
    EXPECT_EQ(row["f1"], row["parent_f1"]) << label;
  }
  for (const char* label : {"технологии", "спорт"}) {
    const auto& row = report["added_labels"][label];
    EXPECT_GT(row["roc_auc"].get<double>(), 0.9) << label << row.dump();
    EXPECT_GT(row["recall"].get<double>(), 0.6) << label << row.dump();
    EXPECT_GT(row["support"].get<double>(), 5) << label << row.dump();
  }

  // Lineage: where it came from, what changed, when.
  const RunManifest manifest = read_run_manifest(out);
  std::vector<std::string> labels = read_run_manifest(parent_).labels;
  labels.insert(labels.end(), {"технологии", "спорт"});
  EXPECT_EQ(manifest.labels, labels);
  ASSERT_EQ(manifest.lineage.size(), 1u);
  EXPECT_EQ(fs::path(manifest.lineage[0].parent), fs::absolute(parent_).lexically_normal());
  EXPECT_EQ(manifest.lineage[0].added, (std::vector<std::string>{"технологии", "спорт"}));
  EXPECT_EQ(manifest.lineage[0].label_field, "all_labels");
  EXPECT_FALSE(manifest.lineage[0].created.empty());
  const auto info = Pipeline::load(out, registry(), "cpu")->info();
  ASSERT_EQ(info.lineage.size(), 1u);
  EXPECT_EQ(info.run_id, run_manifest_id(out));
  EXPECT_TRUE(fs::exists(RunLayout(out).feature_cache()));
  EXPECT_TRUE(fs::exists(RunLayout(out).report()));
  const auto metrics = read_json(RunLayout(out).metrics());
  EXPECT_EQ(metrics["multilabel"]["labels"].size(), 5u);
  const std::string html = read_file(RunLayout(out).report());
  EXPECT_NE(html.find("Lineage and extension"), std::string::npos);
  EXPECT_NE(html.find("технологии"), std::string::npos);

  // Again into the same folder with --force: every text's features come from the cache.
  ExtendRequest again = add_two(out);
  again.force = true;
  const nlohmann::json rerun = extend_run(again, registry());
  EXPECT_EQ(rerun["features"]["encoded"].get<int64_t>(), 0) << rerun["features"].dump();
  EXPECT_EQ(rerun["features"]["from_cache"], rerun["features"]["texts"]);
  EXPECT_EQ(rerun["added_labels"], report["added_labels"]);
}

TEST_F(ExtendNews, RemovesALabelFromAnExtendedRunAndTheRestStayTheSame) {
  const fs::path plus = test_root() / "news_plus_for_removal";
  extend_run(add_two(plus), registry());
  const fs::path out = test_root() / "news_minus";
  extend_run(request_for(plus, out, "", {}, {"культура"}), registry());
  const auto before = predict(plus, texts_);
  const auto after = predict(out, texts_);
  for (size_t i = 0; i < before.size(); ++i) {
    ASSERT_EQ(after[i].label_scores.size(), 4u);
    for (const auto& s : after[i].label_scores) {
      EXPECT_NE(s.label, "культура");
      EXPECT_EQ(s.p, score_of(before[i], s.label).p) << s.label;
      EXPECT_EQ(s.on, score_of(before[i], s.label).on) << s.label;
    }
  }
  const RunManifest manifest = read_run_manifest(out);
  std::vector<std::string> labels = read_run_manifest(plus).labels;
  labels.erase(std::find(labels.begin(), labels.end(), "культура"));
  EXPECT_EQ(manifest.labels, labels);
  ASSERT_EQ(manifest.lineage.size(), 2u);
  EXPECT_EQ(manifest.lineage[1].removed, (std::vector<std::string>{"культура"}));
  state::StateReader state(RunLayout(out).state());
  EXPECT_EQ(state.read_tensor_map(kDecisionStateGroup).at("thresholds").numel(), 4);
  EXPECT_EQ(state.read_strings("labels"), manifest.labels);
}

template <class E>
std::string error_of(const ExtendRequest& r) {
  try {
    extend_run(r, registry());
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong error type: ") + e.what();
  }
  return "no error";
}

TEST_F(ExtendNews, RefusesWhatCannotBeDoneNamingTheProblem) {
  const fs::path out = test_root() / "refused";
  auto has = [](const std::string& what, const std::string& part) {
    return what.find(part) != std::string::npos;
  };
  ExtendRequest existing = add_two(out);
  existing.options.add = {"политика"};
  EXPECT_PRED2(has, error_of<InputError>(existing), "already one of the run's labels");
  EXPECT_PRED2(has, error_of<InputError>(request_for(parent_, out, "", {}, {"наука"})),
               "'наука' is not one of the run's labels");
  ExtendRequest no_texts = add_two(out);
  no_texts.options.add = {"технологии", "спорт", "наука"};
  EXPECT_PRED2(has, error_of<InputError>(no_texts), "added label 'наука' has no text");
  // The file names спорт, which is neither the run's nor being added: named with file:line.
  ExtendRequest partial = add_two(out);
  partial.options.add = {"технологии"};
  const std::string unknown = error_of<InputError>(partial);
  EXPECT_PRED2(has, unknown, "label 'спорт' is not one of the run's labels");
  EXPECT_PRED2(has, unknown, "news.jsonl:");
  EXPECT_PRED2(has, error_of<InputError>(add_two(parent_)), "the parent is never modified");
  EXPECT_PRED2(has, error_of<InputError>(request_for(parent_, out, "", {"технологии"})),
               "need labelled texts");
  fs::create_directories(out);
  EXPECT_PRED2(has, error_of<IoError>(add_two(out)), "--force");
  EXPECT_FALSE(fs::exists(RunLayout(out).manifest()));
  // A refused extension leaves no half-written folder beside the target.
  for (const auto& entry : fs::directory_iterator(test_root()))
    EXPECT_EQ(entry.path().filename().string().find(".refused"), std::string::npos) << entry.path();
}

// A single-label intents run trained without one class, then extended with it: the softmax
// gains a row, the old rows' logits stay the parent's, the temperature is refitted.
TEST(ExtendSingleLabel, AddsAClassWithFrozenOldRows) {
  const fs::path dir =
      fs::temp_directory_path() / ("rubrika_extend_single_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const RecordTable table =
      read_csv(fs::path(RUBRIKA_SOURCE_DIR) / "tests/data/intents/intents.csv");
  const std::string added = table.rows.front().fields[1].text;
  std::vector<std::vector<std::string>> rest, only;
  for (const auto& row : table.rows)
    (row.fields[1].text == added ? only : rest).push_back({row.fields[0].text, row.fields[1].text});
  write_csv(dir / "parent.csv", {"text", "label"}, rest);
  write_csv(dir / "added.csv", {"text", "label"}, only);
  const std::string text =
      "[run]\nname = \"intents\"\noutput_dir = \"" + dir.string() +
      "\"\nseed = 7\ndevice = \"cpu\"\n\n[data]\ntrain = \"" + (dir / "parent.csv").string() +
      "\"\ntext_fields = [\"text\"]\nlabel_field = \"label\"\n\n[encoder]\ntype = \"tfidf\"\n"
      "max_features = 5000\n\n[head]\ntype = \"linear\"\nfeatures = \"pooled\"\ndropout = 0.0\n\n"
      "[train]\nfreeze_encoder = true\nepochs = 10\nbatch_size = 32\nlearning_rate = 0.05\n\n"
      "[calibrator]\ntype = \"temperature\"\n\n[ood]\ntype = \"msp\"\n\n[baseline]\nenabled = "
      "false\n";
  const fs::path parent =
      run_training(Recipe::parse(text, dir / "recipe.toml"), registry(), TrainRequest{});
  const fs::path out = dir / "intents_plus";
  const nlohmann::json report =
      extend_run(request_for(parent, out, dir / "added.csv", {added}), registry());

  const std::vector<std::string> texts = {
      "Не могу перевести деньги на карту", "Как поменять фамилию в договоре?",
      "Пополнить счёт через банкомат без карты", table.rows.front().fields[0].text};
  auto parent_pipeline = Pipeline::load(parent, registry(), "cpu");
  auto child_pipeline = Pipeline::load(out, registry(), "cpu");
  std::vector<std::string> normalized;
  for (const auto& t : texts) normalized.push_back(parent_pipeline->normalize(t));
  const auto p = parent_pipeline->forward_all(normalized, 8);
  const auto c = child_pipeline->forward_all(normalized, 8);
  const int64_t old_count = parent_pipeline->labels().size();
  ASSERT_EQ(c.logits.size(1), old_count + 1);
  for (int64_t j = 0; j < old_count; ++j) {
    const int64_t k = child_pipeline->labels().id(parent_pipeline->labels().name(j));
    EXPECT_TRUE(torch::equal(c.logits.select(1, k), p.logits.select(1, j)))
        << parent_pipeline->labels().name(j);
  }
  EXPECT_EQ(child_pipeline->labels().name(old_count), added);
  EXPECT_EQ(report["check"]["old_logits_max_abs_difference"].get<double>(), 0.0);
  EXPECT_TRUE(report["calibration"]["refitted"].get<bool>());
  // The added class is learnt from its own texts while the old classes stay usable.
  EXPECT_GT(report["classes"][added]["f1"].get<double>(), 0.6) << report["classes"].dump();
  EXPECT_GT(report["test"]["accuracy"].get<double>(), 0.6) << report["test"].dump();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rubrika
