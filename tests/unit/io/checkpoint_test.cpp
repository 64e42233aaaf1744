// Hugging Face weight files in both formats give the same tensors.
#include <rubrika/error.hpp>
#include <rubrika/io/checkpoint.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

const fs::path kModel = fs::path(RUBRIKA_TEST_DATA_DIR) / "hf-tiny-bert";

TEST(Checkpoint, PytorchBinAndSafetensorsHoldIdenticalTensors) {
  auto from_safetensors = rubrika::read_checkpoint(kModel / "model.safetensors");
  auto from_bin = rubrika::read_checkpoint(kModel / "pytorch_model.bin");
  ASSERT_EQ(from_bin.size(), 42u);
  ASSERT_EQ(from_bin.size(), from_safetensors.size());
  for (const auto& [name, tensor] : from_safetensors) {
    ASSERT_TRUE(from_bin.count(name)) << name;
    EXPECT_EQ(from_bin.at(name).scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(at::equal(from_bin.at(name), tensor)) << name;
  }
}

TEST(Checkpoint, FindsSafetensorsFirst) {
  EXPECT_EQ(rubrika::find_weights_file(kModel), kModel / "model.safetensors");
}

TEST(Checkpoint, FolderWithoutWeightsIsAnArtifactError) {
  const fs::path dir = fs::temp_directory_path() / ("rubrika_ckpt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_THROW(rubrika::find_weights_file(dir), rubrika::ArtifactError);
  fs::remove_all(dir);
}

TEST(Checkpoint, TruncatedPytorchBinIsAnArtifactErrorNamingTheFile) {
  std::ifstream in(kModel / "pytorch_model.bin", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const fs::path file =
      fs::temp_directory_path() / ("rubrika_cut_" + std::to_string(::getpid()) + ".bin");
  for (size_t keep : {size_t(0), size_t(1000), bytes.size() / 2, bytes.size() - 10}) {
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(keep));
    try {
      rubrika::read_checkpoint(file);
      ADD_FAILURE() << "no error after truncating to " << keep << " bytes";
    } catch (const rubrika::ArtifactError& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
  }
  fs::remove(file);
}

}  // namespace
