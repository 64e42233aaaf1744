// state.h5: round trips, atomic commits, and clear errors for missing or corrupt data.
#include <rubrika/error.hpp>
#include <rubrika/state/state_file.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rubrika::state {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("rubrika_state_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ArtifactError& e) {
    return e.what();
  }
  return "no ArtifactError";
}

TEST(StateFile, RoundTripsTensorsOfEveryDtypeAndRank) {
  const auto file = temp_dir("round") / "state.h5";
  const at::Tensor f32 = at::randn({2, 3, 4}, at::kFloat);
  const at::Tensor f64 = at::randn({5, 2}, at::kDouble);
  const at::Tensor i64 = at::arange(6, at::kLong);
  const at::Tensor scalar = at::scalar_tensor(2.5, at::kDouble);
  const at::Tensor empty = at::zeros({0, 3}, at::kFloat);
  {
    StateWriter out(file);
    out.write_tensor("/ood/mahalanobis/features", f32);
    out.write_tensor("ood/mahalanobis/means", f64);  // relative = absolute
    out.write_tensor("/labels/ids", i64);
    out.write_tensor("/calibrator/temperature", scalar);
    out.write_tensor("/analysis/empty", empty);
    out.commit();
  }
  StateReader in(file);
  EXPECT_TRUE(at::equal(in.read_tensor("/ood/mahalanobis/features"), f32));
  EXPECT_TRUE(at::equal(in.read_tensor("/ood/mahalanobis/means"), f64));
  EXPECT_TRUE(at::equal(in.read_tensor("labels/ids"), i64));
  const at::Tensor t = in.read_tensor("/calibrator/temperature");
  EXPECT_EQ(t.dim(), 0);
  EXPECT_DOUBLE_EQ(t.item<double>(), 2.5);
  EXPECT_EQ(in.read_tensor("/analysis/empty").sizes(), (at::IntArrayRef{0, 3}));
  EXPECT_EQ(in.list("/ood/mahalanobis"), (std::vector<std::string>{"features", "means"}));
  EXPECT_TRUE(in.has("/ood"));
  EXPECT_FALSE(in.has("/ood/msp"));
}

TEST(StateFile, RoundTripsStringListsAndAttributes) {
  const auto file = temp_dir("strings") / "state.h5";
  const std::vector<std::string> names = {"Недвижимость", "Авто", "", "job offers"};
  {
    StateWriter out(file);
    out.write_strings("/labels/names", names);
    out.write_strings("/labels/none", {});
    out.write_tensor("/calibrator/temperature", at::scalar_tensor(1.5, at::kDouble));
    out.set_string_attribute("/", "format", "rubrika-state");
    out.set_int_attribute("/", "format_version", 1);
    out.set_double_attribute("/calibrator", "nll_after", 0.25);
    out.set_string_attribute("/calibrator/temperature", "unit", "logit divisor");  // on a dataset
    out.set_string_attribute("/ood/energy", "note", "group made for the attribute");
    out.commit();
  }
  StateReader in(file);
  EXPECT_EQ(in.read_strings("/labels/names"), names);
  EXPECT_TRUE(in.read_strings("/labels/none").empty());
  EXPECT_EQ(in.string_attribute("/", "format"), "rubrika-state");
  EXPECT_EQ(in.int_attribute("/", "format_version"), 1);
  EXPECT_DOUBLE_EQ(in.double_attribute("/calibrator", "nll_after"), 0.25);
  EXPECT_EQ(in.string_attribute("/calibrator/temperature", "unit"), "logit divisor");
  EXPECT_EQ(in.string_attribute("/ood/energy", "note"), "group made for the attribute");
  EXPECT_TRUE(in.has_attribute("/", "format"));
  EXPECT_FALSE(in.has_attribute("/", "missing"));
  EXPECT_FALSE(in.has_attribute("/nowhere", "format"));
}

TEST(StateFile, TensorMapsRoundTripIncludingNestedKeys) {
  const auto file = temp_dir("map") / "state.h5";
  TensorMap map;
  map["means"] = at::randn({3, 4}, at::kDouble);
  map["class_ids"] = at::tensor({0, 2, 5}, at::kLong);
  map["threshold"] = at::scalar_tensor(12.5, at::kDouble);
  map["stats/validation"] = at::randn({7}, at::kFloat);
  {
    StateWriter out(file);
    out.write_tensor_map("/ood/mahalanobis", map);
    out.commit();
  }
  const TensorMap back = StateReader(file).read_tensor_map("/ood/mahalanobis");
  ASSERT_EQ(back.size(), map.size());
  for (const auto& [key, tensor] : map) {
    ASSERT_TRUE(back.count(key)) << key;
    EXPECT_TRUE(at::equal(back.at(key), tensor)) << key;
  }
}

TEST(StateFile, CheckedReadsRejectWrongDtypeOrShapeNamingFileAndDataset) {
  const auto file = temp_dir("checked") / "state.h5";
  {
    StateWriter out(file);
    out.write_tensor("/ood/mahalanobis/means", at::zeros({3, 4}, at::kDouble));
    out.write_strings("/labels/names", {"a"});
    out.commit();
  }
  StateReader in(file);
  EXPECT_EQ(in.read_tensor("/ood/mahalanobis/means", at::kDouble, {-1, 4}).size(0), 3);
  const std::string shape = error_of([&] {
    in.read_tensor("/ood/mahalanobis/means", at::kDouble, {3, 5});
  });
  EXPECT_NE(shape.find("state.h5:/ood/mahalanobis/means"), std::string::npos) << shape;
  EXPECT_NE(shape.find("[3, 4]"), std::string::npos) << shape;
  const std::string dtype = error_of([&] {
    in.read_tensor("/ood/mahalanobis/means", at::kFloat, {3, 4});
  });
  EXPECT_NE(dtype.find("dtype"), std::string::npos) << dtype;
  EXPECT_NE(
      error_of([&] { in.read_tensor("/ood/mahalanobis/means", at::kDouble, {3}); }).find("shape"),
      std::string::npos);
  const std::string missing = error_of([&] { in.read_tensor("/ood/msp/threshold"); });
  EXPECT_NE(missing.find("/ood/msp/threshold"), std::string::npos) << missing;
  EXPECT_NE(missing.find("missing"), std::string::npos) << missing;
  EXPECT_NE(error_of([&] { in.read_tensor("/labels/names"); }).find("read_strings"),
            std::string::npos);
  EXPECT_NE(error_of([&] { in.read_strings("/ood/mahalanobis/means"); }).find("strings"),
            std::string::npos);
  EXPECT_NE(error_of([&] { in.read_tensor("/ood"); }).find("group"), std::string::npos);
  EXPECT_NE(error_of([&] { in.read_tensor_map("/nothing"); }).find("/nothing"), std::string::npos);
  EXPECT_NE(error_of([&] { in.double_attribute("/", "absent"); }).find("absent"),
            std::string::npos);
}

TEST(StateFile, MissingOrCorruptFilesAreArtifactErrorsNamingTheFile) {
  const auto dir = temp_dir("corrupt");
  const std::string missing = error_of([&] { StateReader in(dir / "state.h5"); });
  EXPECT_NE(missing.find((dir / "state.h5").string()), std::string::npos) << missing;
  EXPECT_NE(missing.find("missing"), std::string::npos) << missing;
  std::ofstream(dir / "garbage.h5") << "this is not HDF5 at all";
  const std::string garbage = error_of([&] { StateReader in(dir / "garbage.h5"); });
  EXPECT_NE(garbage.find("garbage.h5"), std::string::npos) << garbage;
  EXPECT_NE(garbage.find("not an HDF5 file"), std::string::npos) << garbage;
  // A real state file cut in half.
  {
    StateWriter out(dir / "whole.h5");
    out.write_tensor("/big", at::randn({256, 256}, at::kDouble));
    out.commit();
  }
  const std::string bytes = slurp(dir / "whole.h5");
  std::ofstream(dir / "half.h5", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const std::string half = error_of([&] {
    StateReader in(dir / "half.h5");
    in.read_tensor("/big");
  });
  EXPECT_NE(half.find("half.h5"), std::string::npos) << half;
}

TEST(StateFile, CommitLeavesNoTemporaryFileAndReplacesTheOldOne) {
  const auto dir = temp_dir("atomic");
  for (double value : {1.0, 2.0}) {
    StateWriter out(dir / "state.h5");
    out.write_tensor("/calibrator/temperature", at::scalar_tensor(value, at::kDouble));
    out.commit();
    EXPECT_EQ(files_in(dir), 1u);
    EXPECT_DOUBLE_EQ(
        StateReader(dir / "state.h5").read_tensor("/calibrator/temperature").item<double>(), value);
  }
}

TEST(StateFile, AFailedCommitKeepsTheOldFileIntactAndCleansUp) {
  const auto dir = temp_dir("failed");
  {
    StateWriter out(dir / "state.h5");
    out.write_tensor("/calibrator/temperature", at::scalar_tensor(1.5, at::kDouble));
    out.commit();
  }
  const std::string before = slurp(dir / "state.h5");
  StateWriter out(dir / "state.h5");
  out.write_tensor("/calibrator/temperature", at::scalar_tensor(9.0, at::kDouble));
  // An attribute whose object path runs through a dataset cannot be written.
  out.set_string_attribute("/calibrator/temperature/inner", "x", "y");
  try {
    out.commit();
    FAIL() << "commit succeeded";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("state.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/calibrator/temperature/inner"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(slurp(dir / "state.h5"), before);
  EXPECT_EQ(files_in(dir), 1u);
}

TEST(StateFile, WriterRejectsUnsupportedInputEarly) {
  StateWriter out(temp_dir("reject") / "state.h5");
  EXPECT_THROW(out.write_tensor("/flags", at::ones({3}, at::kBool)), InputError);
  EXPECT_THROW(out.write_tensor("/half", at::ones({3}, at::kHalf)), InputError);
  EXPECT_THROW(out.write_tensor("/undefined", at::Tensor()), InputError);
  EXPECT_THROW(out.write_tensor("/a//b", at::ones({1})), InputError);
  EXPECT_THROW(out.write_tensor("/", at::ones({1})), InputError);
  out.write_tensor("/a", at::ones({1}));
  EXPECT_THROW(out.write_tensor("/a", at::ones({1})), InputError);    // twice
  EXPECT_THROW(out.write_tensor("/a/b", at::ones({1})), InputError);  // inside a dataset
}

TEST(StateFile, TheWriterKeepsACopyOfEachTensor) {
  const auto file = temp_dir("copy") / "state.h5";
  at::Tensor t = at::zeros({2}, at::kDouble);
  StateWriter out(file);
  out.write_tensor("/t", t);
  t.fill_(7.0);  // after write_tensor: must not reach the file
  out.commit();
  EXPECT_TRUE(at::equal(StateReader(file).read_tensor("/t"), at::zeros({2}, at::kDouble)));
}

}  // namespace
}  // namespace rubrika::state
