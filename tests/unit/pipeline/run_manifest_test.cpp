// pipeline.toml keeps what an extended run needs to be rebuilt and explained: each head
// part's labels and the lineage of `rubrika extend` steps; run_manifest_id names exactly
// the manifest a server loaded.
#include <rubrika/error.hpp>
#include <rubrika/io/sha256.hpp>
#include <rubrika/run_manifest.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

class RunManifestFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rubrika_manifest_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "encoder");
    fs::create_directories(dir_ / "heads");
    std::ofstream(dir_ / "head.safetensors") << "x";  // reading checks that artifacts exist
    std::ofstream(dir_ / "heads/added-1.safetensors") << "x";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static RunManifest extended() {
    RunManifest m;
    m.run_name = "news_plus";
    m.recipe_hash = "fnv1a64:0123456789abcdef";
    m.labels = {"политика", "спорт"};
    m.components.push_back({"encoder", "encoder", "bert", "1.0.0", "encoder", "", {}, {}});
    m.components.push_back({"head",
                            "head",
                            "multilabel",
                            "1.0.0",
                            "head.safetensors",
                            "",
                            {},
                            {"политика", "культура"}});
    m.components.push_back({"head.added.1",
                            "head",
                            "multilabel",
                            "1.0.0",
                            "heads/added-1.safetensors",
                            "",
                            toml::table{{"features", "mean"}},
                            {"спорт"}});
    m.lineage.push_back({"/runs/news",
                         "news",
                         "fnv1a64:1111111111111111",
                         {"спорт"},
                         {"культура"},
                         "/data/news.jsonl",
                         "all_labels",
                         "2026-12-02T10:00:00Z"});
    return m;
  }

  fs::path dir_;
};

TEST_F(RunManifestFile, PartLabelsAndLineageRoundTrip) {
  write_run_manifest(dir_, extended());
  const RunManifest read = read_run_manifest(dir_);
  EXPECT_EQ(read.labels, extended().labels);
  ASSERT_EQ(read.components.size(), 3u);
  EXPECT_TRUE(read.components[0].labels.empty());  // the run's labels
  EXPECT_EQ(read.components[1].labels, (std::vector<std::string>{"политика", "культура"}));
  EXPECT_EQ(read.find("head.added.1")->labels, (std::vector<std::string>{"спорт"}));
  EXPECT_EQ(read.find("head.added.1")->path, "heads/added-1.safetensors");
  ASSERT_EQ(read.lineage.size(), 1u);
  const LineageStep& step = read.lineage[0];
  EXPECT_EQ(step.parent, "/runs/news");
  EXPECT_EQ(step.parent_run_name, "news");
  EXPECT_EQ(step.parent_recipe_hash, "fnv1a64:1111111111111111");
  EXPECT_EQ(step.added, (std::vector<std::string>{"спорт"}));
  EXPECT_EQ(step.removed, (std::vector<std::string>{"культура"}));
  EXPECT_EQ(step.data, "/data/news.jsonl");
  EXPECT_EQ(step.label_field, "all_labels");
  EXPECT_EQ(step.created, "2026-12-02T10:00:00Z");
}

TEST_F(RunManifestFile, ATrainedRunHasNoLineage) {
  RunManifest m = extended();
  m.lineage.clear();
  write_run_manifest(dir_, m);
  EXPECT_TRUE(read_run_manifest(dir_).lineage.empty());
}

TEST_F(RunManifestFile, TheIdChangesWithTheContent) {
  write_run_manifest(dir_, extended());
  const std::string first = run_manifest_id(dir_);
  EXPECT_EQ(first.rfind("fnv1a64:", 0), 0u) << first;
  EXPECT_EQ(run_manifest_id(dir_), first);
  RunManifest changed = extended();
  changed.labels.push_back("культура");
  write_run_manifest(dir_, changed);
  EXPECT_NE(run_manifest_id(dir_), first);
  EXPECT_THROW(run_manifest_id(dir_ / "missing"), ArtifactError);
}

TEST_F(RunManifestFile, ALineageStepWithoutItsParentIsAnErrorNamingTheFile) {
  write_run_manifest(dir_, extended());
  {
    std::ofstream out(dir_ / "pipeline.toml", std::ios::app);
    out << "\n[[lineage]]\nadded = [\"x\"]\n";
  }
  try {
    read_run_manifest(dir_);
    FAIL() << "a lineage step without parent was accepted";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("pipeline.toml"), std::string::npos) << e.what();
  }
}

// The artifact files of extended(): an encoder folder with a nested file, the heads, state.h5.
void write_artifacts(const fs::path& dir) {
  fs::create_directories(dir / "encoder/tokenizer");
  std::ofstream(dir / "encoder/model.safetensors") << "weights";
  std::ofstream(dir / "encoder/tokenizer/vocab.txt") << "[PAD]\n[UNK]\n";
  std::ofstream(dir / "state.h5") << "state";
}

// What read_run_manifest throws for `dir`; "" when it reads the folder.
std::string read_error(const fs::path& dir) {
  try {
    read_run_manifest(dir);
  } catch (const ArtifactError& e) {
    return e.what();
  }
  return "";
}

TEST_F(RunManifestFile, RecordsTheSha256OfEveryArtifactFile) {
  write_artifacts(dir_);
  std::ofstream(dir_ / "metrics.json") << "{}";  // not an artifact: no loader reads it
  write_run_manifest(dir_, extended());
  const RunManifest read = read_run_manifest(dir_);
  std::vector<std::string> names;
  for (const auto& [name, sum] : read.checksums) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"encoder/model.safetensors",
                                             "encoder/tokenizer/vocab.txt", "head.safetensors",
                                             "heads/added-1.safetensors", "state.h5"}));
  EXPECT_EQ(read.checksums.at("encoder/model.safetensors"), "sha256:" + sha256_hex("weights"));
  EXPECT_EQ(read.checksums.at("head.safetensors"), "sha256:" + sha256_hex("x"));
}

TEST_F(RunManifestFile, AnArtifactChangedAfterWritingIsRefusedNamingTheFile) {
  write_artifacts(dir_);
  write_run_manifest(dir_, extended());
  ASSERT_EQ(read_error(dir_), "");
  std::ofstream(dir_ / "encoder/tokenizer/vocab.txt") << "[PAD]\n[UNK]\n";  // same bytes
  EXPECT_EQ(read_error(dir_), "");
  std::ofstream(dir_ / "encoder/tokenizer/vocab.txt") << "[PAD]\n[UNX]\n";  // same size
  const std::string error = read_error(dir_);
  EXPECT_NE(error.find("'encoder/tokenizer/vocab.txt' changed since the run was written"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find((dir_ / "encoder/tokenizer/vocab.txt").string()), std::string::npos)
      << error;
}

TEST_F(RunManifestFile, AMissingArtifactFileIsRefusedNamingTheFile) {
  write_artifacts(dir_);
  write_run_manifest(dir_, extended());
  fs::remove(dir_ / "state.h5");
  const std::string error = read_error(dir_);
  EXPECT_NE(error.find("artifact file 'state.h5' is missing"), std::string::npos) << error;
}

// A run folder written before checksums were recorded still loads, unverified, and says so.
TEST_F(RunManifestFile, AManifestWithoutChecksumsLoadsWithAWarning) {
  write_artifacts(dir_);
  write_run_manifest(dir_, extended());
  toml::table root = toml::parse_file((dir_ / "pipeline.toml").string());
  ASSERT_TRUE(root.contains("checksums"));
  root.erase("checksums");
  std::ofstream(dir_ / "pipeline.toml") << root << "\n";
  std::ofstream(dir_ / "encoder/model.safetensors") << "other weights";
  ::testing::internal::CaptureStderr();
  const std::string error = read_error(dir_);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(error, "");
  EXPECT_NE(log.find("records no artifact checksums"), std::string::npos) << log;
  EXPECT_TRUE(read_run_manifest(dir_).checksums.empty());
}

}  // namespace
}  // namespace rubrika
