#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <rubrika/data/jsonl.hpp>
#include <rubrika/error.hpp>
#include <rubrika/text/utf8.hpp>

#include "file_io.hpp"

namespace rubrika {
namespace {

using nlohmann::json;

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

bool is_scalar(const json& value) {
  return value.is_string() || value.is_number() || value.is_boolean();
}

std::string scalar_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

FieldValue to_field(const json& value, const std::string& key, const std::string& where) {
  FieldValue field;
  if (value.is_null()) return field;
  field.present = true;
  if (is_scalar(value)) {
    field.text = scalar_text(value);
    return field;
  }
  if (value.is_array()) {
    field.is_list = true;
    for (size_t i = 0; i < value.size(); ++i) {
      if (!is_scalar(value[i]))
        throw InputError("field '" + key + "': item " + std::to_string(i + 1) + " is " +
                             type_name(value[i]) + "; expected strings or numbers",
                         where, "labels lists hold plain values, e.g. [\"sport\", \"economy\"]");
      field.list.push_back(scalar_text(value[i]));
    }
    return field;
  }
  throw InputError(
      "field '" + key + "' is " + type_name(value) + "; expected a string, a number or a list",
      where, "flatten nested objects into top-level fields");
}

}  // namespace

RecordTable parse_jsonl(std::string_view text, const std::string& source) {
  if (auto bad = utf8::first_invalid(text)) {
    const size_t line = 1 + std::count(text.begin(), text.begin() + *bad, '\n');
    throw InputError("invalid UTF-8 at byte offset " + std::to_string(*bad),
                     source + ":" + std::to_string(line), "save the file as UTF-8");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  RecordTable table;
  table.source = source;
  std::map<std::string, size_t> column_index;
  size_t line = 0, begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view content = text.substr(begin, end - begin);
    ++line;
    begin = end + 1;
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = source + ":" + std::to_string(line);
    json value;
    try {
      value = json::parse(content);
    } catch (const json::parse_error& e) {
      throw InputError("invalid JSON (" + std::string(e.what()) + ")", where,
                       "each line must be one complete JSON object");
    }
    if (!value.is_object())
      throw InputError(
          "expected a JSON object, got " + type_name(value), where,
          "each line must be an object such as {\"text\": \"...\", \"label\": \"...\"}");
    Record record;
    record.row = table.rows.size() + 1;
    record.line = line;
    for (const auto& [key, item] : value.items()) {
      auto [it, added] = column_index.emplace(key, table.columns.size());
      if (added) table.columns.push_back(key);
      if (record.fields.size() <= it->second) record.fields.resize(it->second + 1);
      record.fields[it->second] = to_field(item, key, where);
    }
    table.rows.push_back(std::move(record));
    if (end == text.size()) break;
  }
  for (auto& record : table.rows) record.fields.resize(table.columns.size());
  return table;
}

RecordTable read_jsonl(const std::filesystem::path& file) {
  return parse_jsonl(read_file_text(file, "data file"), file.string());
}

}  // namespace rubrika
