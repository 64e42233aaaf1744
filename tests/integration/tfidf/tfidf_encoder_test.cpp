// The tfidf encoder through the real plugin loader: scikit-learn's IDF and tf-idf rows on a
// hand-computed corpus, normalisation, unseen text, save/load, options and errors.
#include <rubrika/error.hpp>
#include <rubrika/fittable.hpp>
#include <rubrika/io/safetensors.hpp>
#include <rubrika/registry.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

PluginRegistry& registry() {
  static PluginRegistry* r = [] {
    auto* made = new PluginRegistry();  // never destroyed: plugins stay loaded (house rule)
    made->load_file(RUBRIKA_TFIDF_PLUGIN);
    made->load_file(RUBRIKA_LINEAR_PLUGIN);
    return made;
  }();
  return *r;
}

toml::table options(const std::string& text) {
  return toml::parse(text, std::string("/r/recipe.toml"));
}

std::unique_ptr<Encoder> make(const std::string& recipe, const fs::path& artifact_dir = {}) {
  PluginContext context;
  context.artifact = artifact_dir;
  if (!artifact_dir.empty()) context.use = ArtifactUse::load;
  return registry().create<Encoder>("tfidf", context, options(recipe));
}

Fittable& fittable(Encoder& encoder) {
  auto* f = dynamic_cast<Fittable*>(&encoder);  // what the classifier stage does
  if (f == nullptr) throw std::logic_error("tfidf encoder is not Fittable");
  return *f;
}

// [texts, features]
at::Tensor encode(Encoder& encoder, const std::vector<std::string>& texts) {
  return encoder.forward(encoder.tokenize(texts)).cls;
}

fs::path temp_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("rubrika_tfidf_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

// The hand-computed corpus: n = 3 texts.
//   df: кот 3, ест 2, рыбу 1, спит 1, собака 1
//   smooth idf = ln((1 + n) / (1 + df)) + 1: кот 1, ест ln(4/3) + 1, the others ln 2 + 1
const std::vector<std::string> kCorpus = {"Кот ест рыбу", "кот спит", "собака ест кот кот"};
const char* kWordsOnly = "word_ngrams = [1, 1]\nchar_ngrams = []\nmin_df = 1\n";

std::map<std::string, int64_t> feature_index(const json& vocab, const char* key,
                                             int64_t offset = 0) {
  std::map<std::string, int64_t> index;
  const auto features = vocab[key].get<std::vector<std::string>>();
  for (size_t i = 0; i < features.size(); ++i)
    index[features[i]] = offset + static_cast<int64_t>(i);
  return index;
}

TEST(TfidfEncoder, IdfIsScikitLearnsSmoothIdf) {
  auto encoder = make(kWordsOnly);
  fittable(*encoder).fit(kCorpus);
  ASSERT_TRUE(fittable(*encoder).fitted());
  EXPECT_EQ(encoder->hidden_size(), 5);
  const fs::path dir = temp_dir("idf");
  encoder->save(dir);
  const json vocab = read_json(dir / "vocab.json");
  // Alphabetical (lowercased) feature order, like scikit-learn's vocabulary_.
  EXPECT_EQ(vocab["word_features"], json({"ест", "кот", "рыбу", "собака", "спит"}));
  EXPECT_EQ(vocab["documents"], 3);
  const at::Tensor idf = load_safetensors(dir / "idf.safetensors").at("idf");
  ASSERT_EQ(idf.size(0), 5);
  const std::vector<double> expected = {std::log(4.0 / 3) + 1, 1.0, std::log(2.0) + 1,
                                        std::log(2.0) + 1, std::log(2.0) + 1};
  for (int64_t i = 0; i < 5; ++i)
    EXPECT_NEAR(idf[i].item<double>(), expected[static_cast<size_t>(i)], 1e-6) << i;
  fs::remove_all(dir);
}

TEST(TfidfEncoder, RowWeightsMatchAHandComputation) {
  auto encoder = make(kWordsOnly);  // sublinear_tf = true by default
  fittable(*encoder).fit(kCorpus);
  // "собака ест кот кот": tf кот = 2 → 1 + ln 2 (idf 1); ест 1 × (ln(4/3) + 1); собака 1 × (ln 2 +
  // 1).
  const double cat = 1 + std::log(2.0), eats = std::log(4.0 / 3) + 1, dog = std::log(2.0) + 1;
  const double norm = std::sqrt(cat * cat + eats * eats + dog * dog);
  const at::Tensor row = encode(*encoder, {kCorpus[2]})[0];
  ASSERT_EQ(row.size(0), 5);
  EXPECT_NEAR(row[0].item<double>(), eats / norm, 1e-6);  // ест
  EXPECT_NEAR(row[1].item<double>(), cat / norm, 1e-6);   // кот
  EXPECT_NEAR(row[2].item<double>(), 0.0, 1e-12);         // рыбу
  EXPECT_NEAR(row[3].item<double>(), dog / norm, 1e-6);   // собака
  EXPECT_NEAR(row[4].item<double>(), 0.0, 1e-12);         // спит

  auto raw = make(std::string(kWordsOnly) + "sublinear_tf = false\n");
  fittable(*raw).fit(kCorpus);
  const double raw_norm = std::sqrt(4.0 + eats * eats + dog * dog);  // tf кот = 2, idf 1
  EXPECT_NEAR(encode(*raw, {kCorpus[2]})[0][1].item<double>(), 2.0 / raw_norm, 1e-6);
}

TEST(TfidfEncoder, RowsAreUnitNormAndBothAnalyzersWeighTheSame) {
  auto encoder = make("min_df = 1\n");  // word [1, 2] + char_wb [2, 5]
  fittable(*encoder).fit(kCorpus);
  const fs::path dir = temp_dir("norm");
  encoder->save(dir);
  const int64_t words = static_cast<int64_t>(read_json(dir / "vocab.json")["word_features"].size());
  fs::remove_all(dir);
  const at::Tensor rows = encode(*encoder, kCorpus);  // [3, features]
  ASSERT_EQ(rows.size(1), encoder->hidden_size());
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(rows[i].norm().item<double>(), 1.0, 1e-5);
    // Each analyzer's block is normalised on its own first (scikit-learn FeatureUnion style).
    EXPECT_NEAR(rows[i].narrow(0, 0, words).norm().item<double>(), std::sqrt(0.5), 1e-5);
  }
  EXPECT_GE(rows.min().item<double>(), 0.0);
}

TEST(TfidfEncoder, UnseenWordsGiveZeroVectorsExceptForKnownNgrams) {
  auto words = make(kWordsOnly);
  fittable(*words).fit(kCorpus);
  const at::Tensor unseen = encode(*words, {"жираф бежит", ""});
  EXPECT_EQ(unseen.abs().sum().item<double>(), 0.0);
  // "рыба" is a new word, but its character n-grams ("ры", " ры", "рыб"…) are known.
  auto both = make("min_df = 1\n");
  fittable(*both).fit(kCorpus);
  const at::Tensor row = encode(*both, {"рыба"})[0];
  EXPECT_NEAR(row.norm().item<double>(), 1.0, 1e-5);
  const auto batch = both->tokenize({"рыба", "жжжж"});
  EXPECT_GT(batch.attention_mask[0].sum().item<int64_t>(), 0);
  EXPECT_EQ(batch.attention_mask[1].sum().item<int64_t>(), 0);  // nothing known: all padding
  EXPECT_EQ(encode(*both, {"жжжж"}).abs().sum().item<double>(), 0.0);
}

TEST(TfidfEncoder, BatchRowsDoNotDependOnTheirNeighbours) {
  auto encoder = make("min_df = 1\n");
  fittable(*encoder).fit(kCorpus);
  const at::Tensor alone = encode(*encoder, {"кот спит"});
  const at::Tensor together = encode(*encoder, {"собака ест кот кот очень долго", "кот спит"});
  EXPECT_TRUE(at::allclose(alone[0], together[1]));
  // Mean pooling over the one-entry sequence gives the same vector (heads may read "mean").
  const auto out = encoder->forward(encoder->tokenize({"кот спит"}));
  EXPECT_TRUE(at::allclose(out.mean_pooled(), out.cls));
  EXPECT_TRUE(at::equal(out.pooled, out.cls));
}

TEST(TfidfEncoder, MinDfAndMaxFeaturesLimitTheVocabulary) {
  auto frequent = make("word_ngrams = [1, 1]\nchar_ngrams = []\nmin_df = 2\n");
  fittable(*frequent).fit(kCorpus);
  EXPECT_EQ(frequent->hidden_size(), 2);  // ест, кот
  auto top = make("word_ngrams = [1, 1]\nchar_ngrams = []\nmin_df = 1\nmax_features = 1\n");
  fittable(*top).fit(kCorpus);
  ASSERT_EQ(top->hidden_size(), 1);
  EXPECT_GT(encode(*top, {"кот"})[0][0].item<double>(), 0.99);  // кот: 4 occurrences, the most
  auto none = make("min_df = 5\n");
  EXPECT_THROW(fittable(*none).fit(kCorpus), InputError);
}

TEST(TfidfEncoder, SavedFolderLoadsBackToTheSameVectors) {
  auto encoder = make("min_df = 1\n");
  fittable(*encoder).fit(kCorpus);
  const fs::path dir = temp_dir("save");
  encoder->save(dir);
  encoder->save(dir);  // saving over an existing folder replaces it
  auto loaded = make("min_df = 1\n", dir);
  ASSERT_TRUE(fittable(*loaded).fitted());
  EXPECT_EQ(loaded->hidden_size(), encoder->hidden_size());
  const std::vector<std::string> texts = {"кот ест рыбу", "новая собака", "Кот"};
  EXPECT_TRUE(at::equal(encode(*loaded, texts), encode(*encoder, texts)));
  // The saved settings decide the features, even when the recipe now says otherwise.
  auto other_recipe = make("word_ngrams = [1, 1]\n", dir);
  EXPECT_TRUE(at::equal(encode(*other_recipe, texts), encode(*encoder, texts)));
  fs::remove_all(dir);
}

TEST(TfidfEncoder, RefusesANewerOrBrokenVocabularyFile) {
  auto encoder = make(kWordsOnly);
  fittable(*encoder).fit(kCorpus);
  const fs::path dir = temp_dir("newer");
  encoder->save(dir);
  json vocab = read_json(dir / "vocab.json");
  vocab["format_version"] = 99;
  std::ofstream(dir / "vocab.json") << vocab.dump();
  try {
    make(kWordsOnly, dir);
    FAIL() << "a newer format must be refused";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("format_version 99"), std::string::npos) << e.what();
    EXPECT_NE(e.where().find("vocab.json"), std::string::npos);
  }
  vocab["format_version"] = 1;
  vocab["word_features"].push_back("лишнее");  // no longer matches idf.safetensors
  std::ofstream(dir / "vocab.json") << vocab.dump();
  EXPECT_THROW(make(kWordsOnly, dir), ArtifactError);
  fs::remove_all(dir);
}

TEST(TfidfEncoder, UnknownOptionIsARecipeErrorWithLineAndColumn) {
  try {
    make("min_df = 1\nword_ngram = [1, 2]\n");
    FAIL() << "an unknown key must be refused";
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "/r/recipe.toml:2:1");
    EXPECT_EQ(e.hint(), "did you mean 'word_ngrams'?");
  }
  try {
    make("char_ngrams = [5, 2]\n");
    FAIL() << "min > max must be refused";
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "/r/recipe.toml:1:15");
  }
  EXPECT_THROW(make("word_ngrams = []\nchar_ngrams = []\n"), RecipeError);
  EXPECT_THROW(make("min_df = 0\n"), RecipeError);
}

TEST(TfidfEncoder, MisuseIsAnInputError) {
  auto encoder = make(kWordsOnly);
  EXPECT_THROW(encoder->tokenize({"кот"}), InputError);  // not fitted
  EXPECT_THROW(encoder->save(temp_dir("unfitted")), InputError);
  fittable(*encoder).fit(kCorpus);
  const std::vector<std::string> pairs = {"кот"};
  EXPECT_THROW(encoder->tokenize({"кот"}, &pairs), InputError);
  EXPECT_THROW(encoder->tokenize({std::string("\xff\xfe")}), InputError);
  EXPECT_TRUE(encoder->named_parameters().empty());
}

TEST(TfidfEncoder, FeedsTheLinearHeadAsTheBaseline) {
  auto encoder = make("min_df = 1\n");
  fittable(*encoder).fit(kCorpus);
  PluginContext context;
  context.labels = {"животные", "еда"};
  context.input_size = encoder->hidden_size();
  auto head = registry().create<Head>("linear", context, options("features = \"pooled\"\n"));
  const at::Tensor logits = head->forward(encoder->forward(encoder->tokenize(kCorpus)));
  EXPECT_EQ(logits.sizes(), (at::IntArrayRef{3, 2}));
}

}  // namespace
}  // namespace rubrika
