// pipeline.toml keeps what an extended run needs to be rebuilt and explained: each head
// part's labels and the lineage of `rubrika extend` steps; run_manifest_id names exactly
// the manifest a server loaded.
#include <rubrika/error.hpp>
#include <rubrika/run_manifest.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace rubrika
