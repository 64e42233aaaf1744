#include "toml_file.hpp"

#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>

#include "file_io.hpp"

namespace rubrika {

toml::table parse_toml_file(const std::filesystem::path& file, const std::string& what) {
  const std::string text = read_file_text(file, what);
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw RecipeError(std::string(e.description()), source_location(e.source()),
                      "fix the TOML syntax");
  }
}

std::string element_location(const toml::table& table, const std::string& key, size_t index) {
  const toml::array* array = table[key].as_array();
  if (array != nullptr && index < array->size()) return source_location((*array)[index].source());
  return source_location(table.source());
}

void check_catalogue_version(OptionsReader& in) {
  const int64_t version = in.get_int("version", 1, 1, 1000);
  if (version != 1)
    in.fail("version",
            "format version " + std::to_string(version) + " is newer than this build (1)",
            "update rubrika");
}

}  // namespace rubrika
