// RecordTable: what the CSV and JSONL readers produce and the data stage consumes — named
// columns and rows of field values, each row remembering where it came from so every later
// error can name the file, line, row and column.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace rubrika {

// One field of one record.
struct FieldValue {
  bool present = false;           // false: the record lacks the field (JSONL key absent or null)
  bool is_list = false;           // true: a JSON array, its items in `list`
  std::string text;               // scalar value; JSON numbers and booleans as written
  std::vector<std::string> list;  // items of a JSON array (strings, numbers, booleans)
};

struct Record {
  size_t row = 0;                  // 1-based data row, the header not counted
  size_t line = 0;                 // 1-based physical line where the record starts
  std::vector<FieldValue> fields;  // one per RecordTable::columns entry
};

struct RecordTable {
  std::string source;                // the file name, for messages
  std::vector<std::string> columns;  // CSV header / JSONL keys in first-seen order
  std::vector<Record> rows;

  // Index of `name` in columns, or nullopt.
  std::optional<size_t> column(const std::string& name) const;
  // Index of `name`; throws rubrika::InputError naming the file and listing the columns.
  size_t require_column(const std::string& name) const;
  // "file:line (row N)" for messages about `record`.
  std::string where(const Record& record) const;
};

}  // namespace rubrika
