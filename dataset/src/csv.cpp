#include <algorithm>
#include <rubrika/data/csv.hpp>
#include <rubrika/error.hpp>
#include <rubrika/text/utf8.hpp>
#include <set>

#include "file_io.hpp"

namespace rubrika {
namespace {

// Turns CSV bytes into records of raw fields, tracking lines for messages.
class CsvParser {
 public:
  CsvParser(std::string_view text, const std::string& source, char separator)
      : text_(text), source_(source), separator_(separator) {}

  // Every record with the physical line it starts on.
  std::vector<std::pair<size_t, std::vector<std::string>>> parse() {
    std::vector<std::pair<size_t, std::vector<std::string>>> records;
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
    while (pos_ < text_.size()) {
      if (at_line_end()) {  // an empty line: skipped
        consume_line_end();
        continue;
      }
      const size_t line = line_;
      records_seen_ = records.size();
      records.emplace_back(line, parse_record());
    }
    return records;
  }

 private:
  bool at_line_end() const {
    return text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  void consume_line_end() {
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
    line_start_ = pos_;
  }
  // "file:line:col" of byte `at`, the column counted in code points.
  std::string where(size_t line, size_t line_start, size_t at) const {
    return source_ + ":" + std::to_string(line) + ":" +
           std::to_string(utf8::length(text_.substr(line_start, at - line_start)) + 1);
  }

  std::vector<std::string> parse_record() {
    std::vector<std::string> fields;
    while (true) {
      fields.push_back(pos_ < text_.size() && text_[pos_] == '"' ? quoted_field()
                                                                 : unquoted_field());
      if (pos_ >= text_.size()) break;
      if (text_[pos_] == separator_) {
        ++pos_;
        continue;
      }
      consume_line_end();  // fields end only at a separator or a line end
      break;
    }
    return fields;
  }

  std::string unquoted_field() {
    const size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != separator_ && !at_line_end()) ++pos_;
    return std::string(text_.substr(begin, pos_ - begin));
  }

  std::string quoted_field() {
    const size_t open_line = line_, open_line_start = line_start_, open_at = pos_;
    std::string value;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size())
        throw InputError("unterminated quoted field (the quote opened here is never closed)",
                         where(open_line, open_line_start, open_at) + " (row " +
                             std::to_string(row_number()) + ")",
                         "close the quote, and double any quote inside the field (\"\")");
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          value.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      value.push_back(c);
      ++pos_;
      if (c == '\n') {
        ++line_;
        line_start_ = pos_;
      }
    }
    if (pos_ < text_.size() && text_[pos_] != separator_ && !at_line_end())
      throw InputError(
          "unexpected text after a closing quote",
          where(line_, line_start_, pos_) + " (row " + std::to_string(row_number()) + ")",
          "a quote inside a quoted field must be doubled (\"\")");
    return value;
  }

  // The data row being parsed: the header is record 0, so it is the count of records before.
  size_t row_number() const { return records_seen_; }

  std::string_view text_;
  const std::string& source_;
  char separator_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  size_t records_seen_ = 0;
};

size_t line_of_offset(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

void check_header(const std::vector<std::string>& header, const std::string& source) {
  std::set<std::string> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].empty())
      throw InputError("header column " + std::to_string(i + 1) + " has no name", source + ":1",
                       "name every column in the first line");
    if (!seen.insert(header[i]).second)
      throw InputError("duplicate column '" + header[i] + "' in the header", source + ":1",
                       "rename one of the columns");
  }
}

bool needs_quotes(std::string_view value, char separator) {
  if (value.empty()) return false;
  if (value.front() == ' ' || value.back() == ' ') return true;
  for (char c : value)
    if (c == separator || c == '"' || c == '\n' || c == '\r') return true;
  return false;
}

}  // namespace

RecordTable parse_csv(std::string_view text, const std::string& source, char separator) {
  if (auto bad = utf8::first_invalid(text))
    throw InputError("invalid UTF-8 at byte offset " + std::to_string(*bad),
                     source + ":" + std::to_string(line_of_offset(text, *bad)),
                     "save the file as UTF-8");
  auto records = CsvParser(text, source, separator).parse();
  RecordTable table;
  table.source = source;
  if (records.empty())
    throw InputError("the file is empty: no header row", source,
                     "the first line must name the columns, e.g. title,description,category");
  table.columns = std::move(records.front().second);
  check_header(table.columns, source);
  table.rows.reserve(records.size() - 1);
  for (size_t i = 1; i < records.size(); ++i) {
    auto& [line, fields] = records[i];
    Record record;
    record.row = i;
    record.line = line;
    if (fields.size() != table.columns.size())
      throw InputError("row " + std::to_string(i) + " has " + std::to_string(fields.size()) +
                           " fields, the header has " + std::to_string(table.columns.size()),
                       source + ":" + std::to_string(line) + " (row " + std::to_string(i) + ")",
                       "quote fields that contain the separator '" + std::string(1, separator) +
                           "' or line breaks");
    record.fields.resize(fields.size());
    for (size_t f = 0; f < fields.size(); ++f) {
      record.fields[f].present = true;
      record.fields[f].text = std::move(fields[f]);
    }
    table.rows.push_back(std::move(record));
  }
  return table;
}

RecordTable read_csv(const std::filesystem::path& file, char separator) {
  return parse_csv(read_file_text(file, "data file"), file.string(), separator);
}

std::string csv_field(std::string_view value, char separator) {
  if (!needs_quotes(value, separator)) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_line(const std::vector<std::string>& fields, char separator) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(separator);
    line += csv_field(fields[i], separator);
  }
  line.push_back('\n');
  return line;
}

void write_csv(const std::filesystem::path& file, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, char separator) {
  std::string text = csv_line(header, separator);
  for (const auto& row : rows) text += csv_line(row, separator);
  write_file_atomically(file, text);
}

}  // namespace rubrika
