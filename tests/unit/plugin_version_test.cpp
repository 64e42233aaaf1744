// A run folder written by another major version of a plugin is refused at load, naming the
// component and both versions; minor and patch differences load.
#include <rubrika/error.hpp>
#include <rubrika/plugin_version.hpp>

#include <gtest/gtest.h>

namespace rubrika {
namespace {

PluginInfo plugin(const std::string& version) {
  PluginInfo info;
  info.kind = "head";
  info.name = "linear";
  info.version = version;
  info.file = "/plugins/linear.so";
  return info;
}

TEST(PluginVersion, ReadsTheMajorNumber) {
  EXPECT_EQ(major_version("1.0.0", "x"), 1);
  EXPECT_EQ(major_version("12.3", "x"), 12);
  EXPECT_EQ(major_version("2", "x"), 2);
  EXPECT_THROW(major_version("", "x"), ArtifactError);
  EXPECT_THROW(major_version("v1.0", "x"), ArtifactError);
  EXPECT_THROW(major_version("1a.0", "x"), ArtifactError);
}

TEST(PluginVersion, SameMajorLoadsAndAnOldRunWithoutAVersionLoads) {
  EXPECT_NO_THROW(check_plugin_version(plugin("1.4.2"), "1.0.0", "head", "/run/pipeline.toml"));
  EXPECT_NO_THROW(check_plugin_version(plugin("1.0.0"), "", "head", "/run/pipeline.toml"));
}

TEST(PluginVersion, AnotherMajorIsAnErrorNamingTheComponentAndBothVersions) {
  try {
    check_plugin_version(plugin("1.0.0"), "2.1.0", "head", "/run/pipeline.toml");
    FAIL() << "no error";
  } catch (const ArtifactError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.where(), "/run/pipeline.toml");
    EXPECT_NE(what.find("head (head/linear)"), std::string::npos) << what;
    EXPECT_NE(what.find("2.1.0"), std::string::npos) << what;
    EXPECT_NE(what.find("version 1.0.0"), std::string::npos) << what;
    EXPECT_NE(what.find("2.x"), std::string::npos) << what;
  }
}

TEST(PluginVersion, AMalformedRecordedVersionNamesTheRunFile) {
  try {
    check_plugin_version(plugin("1.0.0"), "latest", "encoder", "/run/pipeline.toml");
    FAIL() << "no error";
  } catch (const ArtifactError& e) {
    EXPECT_EQ(e.where(), "/run/pipeline.toml");
    EXPECT_NE(std::string(e.what()).find("'latest'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rubrika
