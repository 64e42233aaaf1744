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

}  // namespace rubrika
