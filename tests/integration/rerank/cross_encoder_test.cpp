// The cross_encoder reranker: a saved reranker reloads with identical scores, in the Hugging
// Face layout (BertForSequenceClassification, num_labels = 1), and bad input is an error.
#include <rubrika/error.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/reranker.hpp>

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <torch/torch.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace fs = std::filesystem;

namespace {

const fs::path kTinyBert = fs::path(RUBRIKA_TEST_DATA_DIR) / "hf-tiny-bert";

std::unique_ptr<rubrika::Reranker> create(const rubrika::PluginContext& context) {
  auto& registry = rubrika::PluginRegistry::global();
  static bool loaded = false;
  if (!loaded) registry.load_file(RUBRIKA_CROSS_ENCODER_PLUGIN);
  loaded = true;
  return registry.create<rubrika::Reranker>(
      "cross_encoder", context, toml::table{{"model", kTinyBert.string()}, {"max_length", 64}});
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("rubrika_rerank_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

const std::vector<std::string> kTexts = {"Продаю зимние шины R16, почти новые",
                                         "Продаю зимние шины R16, почти новые",
                                         "Сдаю квартиру у метро на длительный срок"};
const std::vector<std::string> kLabels = {"Категория: Шины и диски. Шины, диски и колёса",
                                          "Категория: Квартиры — аренда. Квартиры в аренду",
                                          "Категория: Квартиры — аренда. Квартиры в аренду"};

// Training changes every weight; a copy of what training would leave behind.
void perturb(rubrika::Reranker& reranker) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(7);
  for (auto& [name, tensor] : reranker.named_parameters())
    tensor.add_(torch::randn_like(tensor) * 0.02);
}

TEST(CrossEncoder, SavedRerankerReloadsWithIdenticalScores) {
  TempDir dir;
  auto reranker = create({});
  perturb(*reranker);
  const torch::Tensor before = reranker->score_pairs(kTexts, kLabels);
  reranker->save(dir.path / "reranker");

  rubrika::PluginContext reload;
  reload.artifact = dir.path / "reranker";
  reload.use = rubrika::ArtifactUse::load;
  reload.seed = 12345;  // a different seed must not matter once weights are loaded
  const torch::Tensor after = create(reload)->score_pairs(kTexts, kLabels);
  ASSERT_EQ(after.sizes(), before.sizes());
  EXPECT_TRUE(torch::equal(after, before)) << before << after;
  // And the scores are the perturbed model's, not a fresh copy of the base checkpoint.
  EXPECT_FALSE(torch::allclose(create({})->score_pairs(kTexts, kLabels), before));
}

TEST(CrossEncoder, SavesAHuggingFaceSequenceClassifierWithOneLabel) {
  TempDir dir;
  create({})->save(dir.path / "reranker");
  for (const char* file : {"config.json", "vocab.txt", "model.safetensors"})
    EXPECT_TRUE(fs::exists(dir.path / "reranker" / file)) << file;
  std::ifstream in(dir.path / "reranker" / "config.json");
  const auto config = nlohmann::json::parse(in);
  EXPECT_EQ(config["architectures"][0], "BertForSequenceClassification");
  EXPECT_EQ(
      config.value("num_labels", config.contains("id2label") ? config["id2label"].size() : 0u), 1u);
}

TEST(CrossEncoder, ScoresDependOnTheCandidateAndMismatchedInputIsAnError) {
  auto reranker = create({});
  perturb(*reranker);
  const torch::Tensor scores = reranker->score_pairs(kTexts, kLabels);
  EXPECT_NE(scores[0].item<float>(), scores[1].item<float>());  // same text, other label
  EXPECT_THROW(reranker->score_pairs(kTexts, {kLabels[0]}), rubrika::InputError);
  EXPECT_EQ(reranker->score_pairs({}, {}).numel(), 0);
}

}  // namespace
