#include "file_io.hpp"

#include <unistd.h>

#include <fstream>
#include <rubrika/error.hpp>
#include <sstream>
#include <system_error>

namespace rubrika {
namespace fs = std::filesystem;

std::string read_file_text(const fs::path& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (!fs::exists(file)) throw IoError(what + " not found", file.string(), "check the path");
    throw IoError("cannot read " + what, file.string(), "check its permissions");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError("error while reading " + what, file.string());
  return text.str();
}

void write_file_atomically(const fs::path& file, std::string_view content) {
  std::error_code ec;
  if (file.has_parent_path()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec)
      throw IoError("cannot create folder: " + ec.message(), file.parent_path().string(),
                    "check the path and its permissions");
  }
  // The pid keeps two processes writing the same file from sharing a temporary.
  const fs::path temp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot create file", temp.string(), "check the folder's permissions");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(temp, ec);
      throw IoError("cannot write file (disk full?)", temp.string());
    }
  }
  fs::rename(temp, file, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw IoError("cannot rename " + temp.filename().string() + " into place: " + ec.message(),
                  file.string());
  }
}

}  // namespace rubrika
