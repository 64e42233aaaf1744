// Writing files and folders so that a reader sees either the old version or the complete
// new one, never half of it: everything is written under a temporary name next to the
// target (same file system, so rename is atomic), then renamed into place.
#pragma once

#include <filesystem>
#include <fstream>
#include <string_view>

namespace rubrika {

// A binary output file that becomes `target` on commit(). Without commit() (an exception
// on the way), the destructor deletes the temporary file and leaves `target` untouched.
// Missing parent folders are created.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path target);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  std::ofstream& stream() { return out_; }
  // Flushes, syncs and renames over the target. Throws rubrika::IoError naming the file.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

// Writes `text` to `file` through AtomicFileWriter: readers see the old file or the new
// one, never half of it. Throws rubrika::IoError naming the file.
void write_file_atomically(const std::filesystem::path& file, std::string_view text);

// A temporary folder next to `target` to fill (path()); commit() replaces `target` with it
// (an atomic exchange where the file system supports it, else rename-aside-then-rename with
// rollback). Without commit() the destructor deletes the temporary folder.
class AtomicDirectory {
 public:
  explicit AtomicDirectory(std::filesystem::path target);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  const std::filesystem::path& path() const { return temp_; }
  // Throws rubrika::IoError naming the folder.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// A name for a temporary sibling of `target` that no other process or call uses:
// "<parent>/.<name>.<tag>-<pid>-<counter>".
std::filesystem::path temporary_sibling(const std::filesystem::path& target, const char* tag);

// Deletes what killed writers left in `folder` and below: files and folders named by
// temporary_sibling whose process no longer runs (a live writer's are kept). Returns how many
// it deleted. `rubrika train` calls it on the run folder before its first stage, so a
// half-written file does not outlive the run that was killed while writing it.
size_t remove_stale_temporaries(const std::filesystem::path& folder);

}  // namespace rubrika
