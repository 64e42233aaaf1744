// Parsing a TOML file of the data area (catalogues, noise files) with rubrika errors.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>

namespace rubrika {

class OptionsReader;

// Throws IoError (missing/unreadable) or RecipeError with file:line:col (bad syntax).
toml::table parse_toml_file(const std::filesystem::path& file, const std::string& what);

// Reads a catalogue's `version` key (default 1) from `in` and refuses a format newer than
// this build reads (1), naming the key's position.
void check_catalogue_version(OptionsReader& in);

// "file:line:col" of element `index` of the array `key` in `table`, or of the table.
std::string element_location(const toml::table& table, const std::string& key, size_t index);

}  // namespace rubrika
