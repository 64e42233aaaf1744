// safetensors reader/writer: round trips of every dtype, the Hugging Face fixture, and
// every kind of damaged file a user may hand us (each must be an ArtifactError naming the
// file, never a crash).
#include <rubrika/error.hpp>
#include <rubrika/io/safetensors.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using rubrika::ArtifactError;

namespace {

const fs::path kFixture = fs::path(RUBRIKA_TEST_DATA_DIR) / "hf-tiny-bert" / "model.safetensors";

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rubrika_st_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A file made of a raw header (length prefix computed) and `data` bytes.
  fs::path write_raw(const std::string& header, const std::string& data) {
    fs::path file = dir_ / "raw.safetensors";
    std::ofstream out(file, std::ios::binary);
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << header << data;
    return file;
  }

  // Asserts that reading `file` throws ArtifactError whose message contains `needle`
  // and the file name.
  void expect_artifact_error(const fs::path& file, const std::string& needle) {
    try {
      rubrika::read_safetensors(file);
      FAIL() << "no error for " << needle;
    } catch (const ArtifactError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file.string()), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  }

  fs::path dir_;
};

TEST_F(SafetensorsTest, RoundTripsEveryDtypeBitForBit) {
  at::manual_seed(7);
  std::map<std::string, at::Tensor> tensors = {
      {"f64", at::randn({3, 2}, at::kDouble)},
      {"f32", at::randn({4, 5})},
      {"f16", at::randn({7}).to(at::kHalf)},
      {"bf16", at::randn({2, 3}).to(at::kBFloat16)},
      {"i64", at::arange(-5, 5, at::kLong)},
      {"i32", at::randint(-1000, 1000, {3, 3}, at::kInt)},
      {"i16", at::randint(-300, 300, {5}, at::kShort)},
      {"i8", at::randint(-100, 100, {9}, at::kChar)},
      {"u8", at::randint(0, 255, {2, 2, 2}, at::kByte)},
      {"bool", at::rand({5}) > 0.5},
      {"scalar", at::scalar_tensor(3.5)},
      {"empty", at::empty({0, 4})},
  };
  const fs::path file = dir_ / "all.safetensors";
  rubrika::save_safetensors(file, tensors, {{"format", "pt"}, {"note", "ünïcode"}});
  auto content = rubrika::read_safetensors(file);
  ASSERT_EQ(content.tensors.size(), tensors.size());
  for (const auto& [name, expected] : tensors) {
    const at::Tensor& got = content.tensors.at(name);
    EXPECT_EQ(got.scalar_type(), expected.scalar_type()) << name;
    EXPECT_EQ(got.sizes(), expected.sizes()) << name;
    EXPECT_TRUE(at::equal(got, expected)) << name;
  }
  EXPECT_EQ(content.metadata.at("format"), "pt");
  EXPECT_EQ(content.metadata.at("note"), "ünïcode");
}

TEST_F(SafetensorsTest, WriterPadsHeaderAndAlignsData) {
  const fs::path file = dir_ / "aligned.safetensors";
  rubrika::save_safetensors(file, {{"a_byte", at::ones({3}, at::kByte)},
                                   {"b_double", at::ones({2}, at::kDouble)},
                                   {"c_float", at::ones({1})}});
  std::ifstream in(file, std::ios::binary);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(static_cast<uint8_t>(in.get())) << (8 * i);
  EXPECT_EQ(n % 8, 0u);
  std::string header(n, '\0');
  in.read(header.data(), static_cast<std::streamsize>(n));
  auto json = nlohmann::json::parse(header);
  // Largest elements first: the double, then the float, then the bytes.
  EXPECT_EQ(json["b_double"]["data_offsets"], nlohmann::json::array({0, 16}));
  EXPECT_EQ(json["c_float"]["data_offsets"], nlohmann::json::array({16, 20}));
  EXPECT_EQ(json["a_byte"]["data_offsets"], nlohmann::json::array({20, 23}));
  EXPECT_EQ(json.count("__metadata__"), 0u);
}

TEST_F(SafetensorsTest, SaveReplacesAnExistingFileAndLeavesNoTemporaries) {
  const fs::path file = dir_ / "w.safetensors";
  rubrika::save_safetensors(file, {{"x", at::zeros({2})}});
  auto first = rubrika::load_safetensors(file);  // still mapped while we overwrite
  rubrika::save_safetensors(file, {{"x", at::ones({3})}});
  EXPECT_TRUE(at::equal(first.at("x"), at::zeros({2})));
  EXPECT_TRUE(at::equal(rubrika::load_safetensors(file).at("x"), at::ones({3})));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(SafetensorsTest, ReturnedTensorsAreWritableWithoutChangingTheFile) {
  const fs::path file = dir_ / "cow.safetensors";
  rubrika::save_safetensors(file, {{"x", at::zeros({4})}});
  auto tensors = rubrika::load_safetensors(file);
  tensors.at("x").fill_(5.0);
  EXPECT_TRUE(at::equal(rubrika::load_safetensors(file).at("x"), at::zeros({4})));
}

TEST_F(SafetensorsTest, ReadsTheHuggingFaceFixture) {
  auto content = rubrika::read_safetensors(kFixture);
  EXPECT_EQ(content.tensors.size(), 42u);
  EXPECT_EQ(content.metadata.at("format"), "pt");
  const at::Tensor& words = content.tensors.at("bert.embeddings.word_embeddings.weight");
  EXPECT_EQ(words.scalar_type(), at::kFloat);
  EXPECT_EQ(words.sizes(), (at::IntArrayRef{613, 128}));
  const at::Tensor& positions = content.tensors.at("bert.embeddings.position_ids");
  EXPECT_EQ(positions.scalar_type(), at::kLong);
  EXPECT_TRUE(at::equal(positions, at::arange(512, at::kLong).unsqueeze(0)));
  EXPECT_EQ(content.tensors.at("classifier.weight").sizes(), (at::IntArrayRef{3, 128}));
}

TEST_F(SafetensorsTest, TruncatedFileIsAnArtifactErrorNamingTheFile) {
  std::ifstream in(kFixture, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t keep : {size_t(0), size_t(5), size_t(100), bytes.size() - 1}) {
    const fs::path file = dir_ / ("cut" + std::to_string(keep) + ".safetensors");
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    try {
      rubrika::read_safetensors(file);
      FAIL() << "no error after truncating to " << keep << " bytes";
    } catch (const ArtifactError& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
  }
}

TEST_F(SafetensorsTest, CorruptHeaderIsAnArtifactError) {
  expect_artifact_error(write_raw("{\"x\": {\"dtype\": \"F32\",", ""), "not valid JSON");
  expect_artifact_error(write_raw("[1, 2]", ""), "not a JSON object");
  expect_artifact_error(
      write_raw(R"({"x": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}})", "abcd"),
      "unsupported dtype");
  expect_artifact_error(write_raw(R"({"x": {"dtype": "F32", "shape": [1]}})", "abcd"),
                        "data_offsets");
  expect_artifact_error(
      write_raw(R"({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", "abcd"),
      "non-negative");
  expect_artifact_error(write_raw(R"({"__metadata__": {"a": 1}})", ""), "__metadata__");
  // A header length far beyond the file.
  const fs::path huge = dir_ / "huge.safetensors";
  std::ofstream(huge, std::ios::binary).write("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10);
  expect_artifact_error(huge, "header length");
}

TEST_F(SafetensorsTest, OffsetsOutOfRangeOrOverlappingAreArtifactErrors) {
  expect_artifact_error(
      write_raw(R"({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", "abcd"),
      "tensor 'x': data_offsets [0, 8] outside");
  expect_artifact_error(
      write_raw(R"({"x": {"dtype": "F32", "shape": [2], "data_offsets": [4, 0]}})", "abcd"),
      "tensor 'x'");
  expect_artifact_error(
      write_raw(R"({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", "abcdefgh"),
      "tensor 'x': shape");
  expect_artifact_error(write_raw(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                  "abcdefghijkl"),
                        "overlapping");
}

// A weights file with a NaN or an infinity in any floating-point tensor is refused, naming the
// file and the tensor; integer tensors and finite floats of every width load.
TEST_F(SafetensorsTest, NonFiniteWeightsAreAnArtifactErrorNamingTheTensor) {
  at::Tensor weight = at::ones({2, 3});
  weight[1][2] = NAN;
  const fs::path file = dir_ / "nan.safetensors";
  rubrika::save_safetensors(file, {{"ok.bias", at::zeros({3})},
                                   {"encoder.layer.0.weight", weight},
                                   {"ids", at::arange(4, at::kLong)}});
  expect_artifact_error(file, "tensor 'encoder.layer.0.weight' holds 1 of 6 values that are NaN");
  for (at::ScalarType type : {at::kHalf, at::kBFloat16, at::kDouble}) {
    at::Tensor infinite = at::zeros({4}, type);
    infinite[0] = -INFINITY;
    rubrika::save_safetensors(file, {{"inf", infinite}});
    expect_artifact_error(file, "tensor 'inf'");
    rubrika::save_safetensors(file, {{"finite", at::full({4}, 65504.0, type)}});
    EXPECT_NO_THROW(rubrika::read_safetensors(file)) << c10::toString(type);
  }
}

TEST_F(SafetensorsTest, MissingFileIsAnIoError) {
  EXPECT_THROW(rubrika::read_safetensors(dir_ / "absent.safetensors"), rubrika::IoError);
}

TEST_F(SafetensorsTest, WriterRejectsUnsupportedDtypes) {
  EXPECT_THROW(
      rubrika::save_safetensors(dir_ / "c.safetensors", {{"z", at::zeros({2}, at::kComplexFloat)}}),
      rubrika::InputError);
  EXPECT_FALSE(fs::exists(dir_ / "c.safetensors"));
}

}  // namespace
