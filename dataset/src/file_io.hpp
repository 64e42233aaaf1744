// Whole-file I/O for the data area: reading a data file into memory, and writing one
// atomically (a temporary file next to the target, then rename), so a reader never sees half
// a file and an interrupted run leaves the old file (or none).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace rubrika {

// The file's bytes. Throws rubrika::IoError (missing or unreadable); `what` names the kind of
// file in the message ("data file").
std::string read_file_text(const std::filesystem::path& file, const std::string& what);

// Creates missing parent folders. Throws rubrika::IoError naming the path on failure.
void write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace rubrika
