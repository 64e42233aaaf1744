#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace rubrika {

namespace {

std::atomic<uint64_t> g_counter{0};

// fsync by path, so the data is on disk before the rename makes it visible.
void sync_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void create_parent(const fs::path& target) {
  const fs::path parent = target.parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    throw IoError("cannot create folder: " + ec.message(), parent.string(),
                  "check the path and its permissions");
}

// Atomically swaps two paths (Linux renameat2 RENAME_EXCHANGE); false where unsupported.
bool exchange_paths(const fs::path& a, const fs::path& b) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
#else
  (void)a;
  (void)b;
  return false;
#endif
}

}  // namespace

fs::path temporary_sibling(const fs::path& target, const char* tag) {
  fs::path clean = target;
  if (!clean.has_filename()) clean = clean.parent_path();  // "dir/" → "dir"
  const std::string name = "." + clean.filename().string() + "." + tag + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  return clean.parent_path() / name;
}

namespace {

// The writer's pid when `name` is one temporary_sibling made (".<name>.<tag>-<pid>-<n>").
std::optional<pid_t> temporary_owner(const std::string& name) {
  static const std::regex pattern(R"(^\..+\.[a-z]+-([0-9]{1,9})-[0-9]+$)");
  std::smatch match;
  if (!std::regex_match(name, match, pattern)) return std::nullopt;
  return static_cast<pid_t>(std::stol(match[1].str()));
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

}  // namespace

size_t remove_stale_temporaries(const fs::path& folder) {
  std::vector<fs::path> stale;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto owner = temporary_owner(it->path().filename().string());
    if (!owner || *owner == ::getpid() || !process_gone(*owner)) continue;
    stale.push_back(it->path());
    if (it->is_directory()) it.disable_recursion_pending();
  }
  size_t removed = 0;
  for (const auto& path : stale) {
    std::error_code ignored;
    if (fs::remove_all(path, ignored) > 0) ++removed;
  }
  return removed;
}

AtomicFileWriter::AtomicFileWriter(fs::path target) : target_(std::move(target)) {
  create_parent(target_);
  temp_ = temporary_sibling(target_, "tmp");
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_)
    throw IoError(std::string("cannot create file: ") + std::strerror(errno), temp_.string(),
                  "check the folder exists and is writable");
}

AtomicFileWriter::~AtomicFileWriter() {
  if (committed_) return;
  out_.close();
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

void AtomicFileWriter::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail())
    throw IoError("writing failed (disk full?)", temp_.string(), "free some space and retry");
  sync_file(temp_);
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw IoError("cannot rename into place: " + ec.message(), target_.string());
  committed_ = true;
}

void write_file_atomically(const fs::path& file, std::string_view text) {
  AtomicFileWriter out(file);
  out.stream() << text;
  out.commit();
}

AtomicDirectory::AtomicDirectory(fs::path target) : target_(std::move(target)) {
  if (!target_.has_filename()) target_ = target_.parent_path();
  create_parent(target_);
  temp_ = temporary_sibling(target_, "tmp");
  std::error_code ec;
  fs::create_directory(temp_, ec);
  if (ec)
    throw IoError("cannot create folder: " + ec.message(), temp_.string(),
                  "check the parent folder is writable");
}

AtomicDirectory::~AtomicDirectory() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(temp_, ignored);
}

void AtomicDirectory::commit() {
  std::error_code ec;
  if (!fs::exists(target_)) {
    fs::rename(temp_, target_, ec);
    if (ec) throw IoError("cannot rename folder into place: " + ec.message(), target_.string());
    committed_ = true;
    return;
  }
  if (!fs::is_directory(target_))
    throw IoError("exists and is not a folder", target_.string(),
                  "remove it or choose another path");
  if (exchange_paths(temp_, target_)) {
    committed_ = true;
    fs::remove_all(temp_, ec);  // now holds the old folder
    return;
  }
  // No atomic exchange: move the old folder aside, move the new one in, roll back on failure.
  const fs::path old = temporary_sibling(target_, "old");
  fs::rename(target_, old, ec);
  if (ec) throw IoError("cannot move the old folder aside: " + ec.message(), target_.string());
  fs::rename(temp_, target_, ec);
  if (ec) {
    std::error_code ignored;
    fs::rename(old, target_, ignored);
    throw IoError("cannot rename folder into place: " + ec.message(), target_.string());
  }
  committed_ = true;
  fs::remove_all(old, ec);
}

}  // namespace rubrika
