// Atomic writes: readers see the old or the new version, never half, and failures leave
// nothing behind.
#include <rubrika/io/atomic_file.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t entries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rubrika_atomic_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFileTest, CommitReplacesTheFileAndCreatesParents) {
  const fs::path file = dir_ / "sub" / "a.txt";
  {
    rubrika::AtomicFileWriter w(file);
    w.stream() << "old";
    w.commit();
  }
  {
    rubrika::AtomicFileWriter w(file);
    w.stream() << "new";
    EXPECT_EQ(read_text(file), "old");  // not visible before commit
    w.commit();
  }
  EXPECT_EQ(read_text(file), "new");
  EXPECT_EQ(entries(dir_ / "sub"), 1u);
}

TEST_F(AtomicFileTest, WithoutCommitTheTargetIsUntouchedAndTheTemporaryRemoved) {
  const fs::path file = dir_ / "a.txt";
  std::ofstream(file) << "keep";
  try {
    rubrika::AtomicFileWriter w(file);
    w.stream() << "half";
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_text(file), "keep");
  EXPECT_EQ(entries(dir_), 1u);
}

TEST_F(AtomicFileTest, DirectoryCommitReplacesAnExistingFolder) {
  const fs::path target = dir_ / "model";
  fs::create_directories(target);
  std::ofstream(target / "stale.txt") << "x";
  {
    rubrika::AtomicDirectory staged(target);
    std::ofstream(staged.path() / "config.json") << "{}";
    EXPECT_TRUE(fs::exists(target / "stale.txt"));
    staged.commit();
  }
  EXPECT_TRUE(fs::exists(target / "config.json"));
  EXPECT_FALSE(fs::exists(target / "stale.txt"));
  EXPECT_EQ(entries(dir_), 1u);  // no temporary or old folder left
}

TEST_F(AtomicFileTest, DirectoryWithoutCommitLeavesTheOldFolder) {
  const fs::path target = dir_ / "model";
  fs::create_directories(target);
  std::ofstream(target / "old.txt") << "x";
  {
    rubrika::AtomicDirectory staged(target);
    std::ofstream(staged.path() / "new.txt") << "y";
  }
  EXPECT_TRUE(fs::exists(target / "old.txt"));
  EXPECT_FALSE(fs::exists(target / "new.txt"));
  EXPECT_EQ(entries(dir_), 1u);
}

}  // namespace

namespace {

// A pid that no process has now: a child that exited and was reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

}  // namespace

// What a killed writer left (a temporary file, a temporary folder) is deleted; a live
// writer's temporaries and ordinary files are not.
TEST_F(AtomicFileTest, StaleTemporariesOfKilledWritersAreRemoved) {
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getppid());
  std::ofstream(dir_ / (".metrics.json.tmp-" + dead + "-0")) << "";
  fs::create_directories(dir_ / "encoder" / (".model.tmp-" + dead + "-4"));
  std::ofstream(dir_ / "encoder" / (".model.tmp-" + dead + "-4") / "weights") << "half";
  std::ofstream(dir_ / (".state.h5.tmp-" + live + "-1")) << "";
  std::ofstream(dir_ / "metrics.json") << "{}";
  EXPECT_EQ(rubrika::remove_stale_temporaries(dir_), 2u);
  EXPECT_FALSE(fs::exists(dir_ / (".metrics.json.tmp-" + dead + "-0")));
  EXPECT_FALSE(fs::exists(dir_ / "encoder" / (".model.tmp-" + dead + "-4")));
  EXPECT_TRUE(fs::exists(dir_ / (".state.h5.tmp-" + live + "-1"))) << "its writer still runs";
  EXPECT_TRUE(fs::exists(dir_ / "metrics.json"));
  EXPECT_EQ(rubrika::remove_stale_temporaries(dir_ / "no such folder"), 0u);
}
