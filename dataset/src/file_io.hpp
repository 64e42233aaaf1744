// Whole-file reading for the data area.
#pragma once

#include <rubrika/io/atomic_file.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace rubrika {

// The file's bytes. Throws rubrika::IoError (missing or unreadable); `what` names the kind of
// file in the message ("data file").
std::string read_file_text(const std::filesystem::path& file, const std::string& what);

// Writing a data file atomically: write_file_atomically() in rubrika/io/atomic_file.hpp.

}  // namespace rubrika
