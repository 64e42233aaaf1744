// CSV (RFC 4180) reading and writing.
//
// Reading: the first record is the header; fields may be quoted with '"', a quote inside a
// quoted field is doubled, quoted fields may hold separators and newlines; lines end with
// LF or CRLF; a UTF-8 byte-order mark is skipped; empty lines are skipped. A quote inside an
// unquoted field is kept as a literal character (15" monitors are common in real exports).
// Errors are rubrika::InputError naming the file, line, column and row: invalid UTF-8 (byte
// offset), an unterminated quote, text after a closing quote, a row whose field count differs
// from the header's, an empty or duplicate header name.
//
// Writing: fields holding a separator, quote, CR or LF (or starting/ending with a space) are
// quoted with quotes doubled; lines end with LF; the file is written atomically.
#pragma once

#include <filesystem>
#include <rubrika/data/records.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika {

// Parses CSV text; `source` names it in messages.
RecordTable parse_csv(std::string_view text, const std::string& source, char separator = ',');
// Reads and parses a file. Throws rubrika::IoError when it cannot be read.
RecordTable read_csv(const std::filesystem::path& file, char separator = ',');

// One field as it appears in a CSV file (quoted when needed).
std::string csv_field(std::string_view value, char separator = ',');
// One line: the fields joined by the separator, ending with "\n".
std::string csv_line(const std::vector<std::string>& fields, char separator = ',');
// Writes header + rows atomically (temporary file + rename). Throws rubrika::IoError.
void write_csv(const std::filesystem::path& file, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, char separator = ',');

}  // namespace rubrika
