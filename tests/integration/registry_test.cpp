// The plugin registry through the real loader (Boost.DLL), with plugins built for tests.
#include <rubrika/error.hpp>
#include <rubrika/registry.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

namespace rubrika {
namespace {

const std::filesystem::path kPlugins = RUBRIKA_TEST_PLUGIN_DIR;

template <class Fn>
PluginError plugin_error(Fn&& fn) {
  try {
    fn();
  } catch (const PluginError& e) {
    return e;
  }
  ADD_FAILURE() << "no PluginError thrown";
  return PluginError("none");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Registry, LoadsAndListsGoodPlugins) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  auto plugins = registry.list();
  ASSERT_EQ(plugins.size(), 2u);
  EXPECT_EQ(plugins[0].kind, "calibrator");  // pipeline order: calibrator before ood
  EXPECT_EQ(plugins[0].name, "test_softmax");
  EXPECT_EQ(plugins[0].version, "0.1.0");
  EXPECT_EQ(plugins[0].file.filename(), "test_softmax.so");
  EXPECT_EQ(plugins[0].build_id, core_build_id());
  EXPECT_EQ(plugins[1].kind, "ood");
}

TEST(Registry, BuildsAWorkingComponentWithItsOptions) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  toml::table options = toml::parse("type = \"test_softmax\"\nscale = 2.0\n");
  auto calibrator = registry.create<Calibrator>("test_softmax", PluginContext{}, options);
  auto probs = calibrator->probabilities(at::tensor({0.0f, 2.0f * std::log(3.0f)}).view({1, 2}));
  EXPECT_NEAR(probs[0][1].item<float>(), 0.75f, 1e-6);
  EXPECT_DOUBLE_EQ(calibrator->state().at("scale").item<double>(), 2.0);
}

TEST(Registry, PluginOptionErrorsCarryRecipePosition) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  toml::table options =
      toml::parse(std::string("type = \"test_softmax\"\nscael = 2.0\n"), std::string("/r/x.toml"));
  try {
    registry.check("calibrator", "test_softmax", PluginContext{}, options);
    FAIL();
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "/r/x.toml:2:1");
    EXPECT_EQ(e.hint(), "did you mean 'scale'?");
  }
}

TEST(Registry, UnknownPluginListsAvailableAndFolders) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  auto e = plugin_error([&] { registry.find("calibrator", "temprature"); });
  EXPECT_TRUE(contains(e.problem(), "unknown calibrator plugin 'temprature'")) << e.what();
  EXPECT_TRUE(contains(e.hint(), "test_softmax")) << e.what();
  EXPECT_TRUE(contains(e.hint(), (kPlugins / "good").string())) << e.what();
}

TEST(Registry, WrongKindIsNamed) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  auto e = plugin_error([&] { registry.create<Encoder>("test_softmax", {}, toml::table{}); });
  EXPECT_TRUE(contains(e.problem(), "is a calibrator plugin, not a encoder plugin")) << e.what();
}

TEST(Registry, WrongAbiVersionShowsBothVersions) {
  PluginRegistry registry;
  auto e = plugin_error([&] { registry.load_folder(kPlugins / "bad_abi"); });
  EXPECT_TRUE(contains(e.problem(), "ABI version 99")) << e.what();
  EXPECT_TRUE(contains(e.problem(), "ABI version " + std::to_string(kPluginAbiVersion)))
      << e.what();
  EXPECT_TRUE(contains(e.where(), "test_bad_abi.so")) << e.what();
}

TEST(Registry, WrongBuildIdShowsBoth) {
  PluginRegistry registry;
  auto e = plugin_error([&] { registry.load_folder(kPlugins / "bad_build"); });
  EXPECT_TRUE(contains(e.problem(), "gcc 99.0.0")) << e.what();
  EXPECT_TRUE(contains(e.problem(), core_build_id())) << e.what();
}

TEST(Registry, DuplicatePluginNamesBothFiles) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  auto e = plugin_error([&] { registry.load_folder(kPlugins / "duplicate"); });
  EXPECT_TRUE(contains(e.problem(), "two plugins named calibrator/test_softmax")) << e.what();
  EXPECT_TRUE(contains(e.problem(), "good/test_softmax.so")) << e.what();
  EXPECT_TRUE(contains(e.problem(), "duplicate/test_softmax_duplicate.so")) << e.what();
}

TEST(Registry, LibraryWithoutDescriptorIsNotAPlugin) {
  PluginRegistry registry;
  auto e = plugin_error([&] { registry.load_folder(kPlugins / "no_descriptor"); });
  EXPECT_TRUE(contains(e.problem(), "not a rubrika plugin")) << e.what();
}

TEST(Registry, FileThatDoesNotLoadGivesTheLoaderMessage) {
  auto folder = std::filesystem::temp_directory_path() / "rubrika_broken_plugin";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "broken.so") << "this is not an ELF file";
  PluginRegistry registry;
  auto e = plugin_error([&] { registry.load_folder(folder); });
  EXPECT_TRUE(contains(e.problem(), "cannot load plugin library")) << e.what();
  EXPECT_TRUE(contains(e.problem(), "broken.so")) << e.what();  // dlerror's own text
  std::filesystem::remove_all(folder);
}

TEST(Registry, MissingFolderIsAnError) {
  PluginRegistry registry;
  EXPECT_THROW(registry.load_folder(kPlugins / "no_such_folder"), PluginError);
}

TEST(Registry, LoadingTheSameFolderTwiceIsHarmless) {
  PluginRegistry registry;
  registry.load_folder(kPlugins / "good");
  registry.load_folder(kPlugins / "good");
  EXPECT_EQ(registry.list().size(), 2u);
}

TEST(Registry, ComponentsOutliveTheirRegistry) {
  std::unique_ptr<Calibrator> calibrator;
  {
    PluginRegistry registry;
    registry.load_folder(kPlugins / "good");
    calibrator = registry.create<Calibrator>("test_softmax", {}, toml::table{});
  }
  // The library stays loaded, so the object's code and vtable are still there.
  auto probs = calibrator->probabilities(at::zeros({1, 4}));
  EXPECT_NEAR(probs[0][0].item<float>(), 0.25f, 1e-6);
}

}  // namespace
}  // namespace rubrika
