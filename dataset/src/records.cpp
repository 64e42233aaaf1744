#include <rubrika/data/records.hpp>
#include <rubrika/error.hpp>

namespace rubrika {

std::optional<size_t> RecordTable::column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

size_t RecordTable::require_column(const std::string& name) const {
  if (auto index = column(name)) return *index;
  std::string known;
  for (const auto& c : columns) known += (known.empty() ? "'" : ", '") + c + "'";
  throw InputError("missing column '" + name + "'", source,
                   "the file has " + (known.empty() ? std::string("no columns") : known) +
                       "; fix the file or the recipe's [data] field names");
}

std::string RecordTable::where(const Record& record) const {
  return source + ":" + std::to_string(record.line) + " (row " + std::to_string(record.row) + ")";
}

}  // namespace rubrika
