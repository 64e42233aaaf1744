// Shared by the report tests: sample metrics, temp folders, counting tags in a page.
#pragma once

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace rubrika::report_test {

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::filesystem::path sample(const std::string& name) {
  return std::filesystem::path(RUBRIKA_TEST_DATA_DIR) / "report" / name;
}

inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("rubrika_report_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

// The part of the page from <h2 id='id'> to the next <h2 (or the end).
inline std::string section(const std::string& page, const std::string& id) {
  const size_t begin = page.find("<h2 id='" + id + "'>");
  if (begin == std::string::npos) return {};
  const size_t end = page.find("<h2", begin + 1);
  return page.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace rubrika::report_test
