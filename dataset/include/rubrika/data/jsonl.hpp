// JSON Lines reading: one JSON object per line (blank lines skipped).
//
// Each object becomes a Record; columns are the keys as first seen (alphabetical within one
// object, as the JSON library keeps them). Strings, numbers
// and booleans become text (numbers and booleans as written: 3, 0.5, true); arrays of those
// become lists (multi-label labels); null or a missing key leaves the field absent. Errors
// are rubrika::InputError naming the file and line: invalid UTF-8 (byte offset), JSON syntax
// (with the parser's position), a line that is not an object, a field that is an object or an
// array holding objects/arrays.
#pragma once

#include <filesystem>
#include <rubrika/data/records.hpp>
#include <string>
#include <string_view>

namespace rubrika {

RecordTable parse_jsonl(std::string_view text, const std::string& source);
// Throws rubrika::IoError when the file cannot be read.
RecordTable read_jsonl(const std::filesystem::path& file);

}  // namespace rubrika
