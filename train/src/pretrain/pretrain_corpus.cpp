#include <rubrika/data/csv.hpp>
#include <rubrika/data/jsonl.hpp>
#include <rubrika/error.hpp>
#include <rubrika/text/utf8.hpp>
#include <rubrika/train/pretrain_corpus.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <fstream>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

// Whether a quoted field is still open after `line`, read as parse_csv reads quotes: a quote
// opens a field only at its start (elsewhere, as in 15" экран, it is a literal character);
// inside one, "" is a quote and a lone " closes it.
bool quote_open_after(const std::string& line, bool in_quotes) {
  bool field_start = !in_quotes;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c != '"') continue;
      if (i + 1 < line.size() && line[i + 1] == '"')
        ++i;
      else
        in_quotes = field_start = false;
    } else if (c == '"' && field_start) {
      in_quotes = true;
    } else {
      field_start = c == ',';
    }
  }
  return in_quotes;
}

class PieceSink {
 public:
  PieceSink(size_t piece, const std::function<void(std::vector<std::string>)>& sink)
      : piece_(piece), sink_(sink) {}
  void add(std::string text) {
    if (text.empty()) return;
    texts_.push_back(std::move(text));
    if (texts_.size() >= piece_) flush();
  }
  void flush() {
    if (!texts_.empty()) sink_(std::move(texts_));
    texts_.clear();
  }

 private:
  size_t piece_;
  const std::function<void(std::vector<std::string>)>& sink_;
  std::vector<std::string> texts_;
};

std::string where(const fs::path& file, size_t line) {
  return file.string() + ":" + std::to_string(line);
}

void check_utf8(const std::string& line, const fs::path& file, size_t number) {
  if (auto bad = utf8::first_invalid(line))
    throw InputError("invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of the line",
                     where(file, number), "save the corpus as UTF-8");
}

void stream_lines(std::ifstream& in, const fs::path& file, PieceSink& out) {
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    check_utf8(line, file, number);
    out.add(std::move(line));
  }
}

void stream_jsonl(std::ifstream& in, const fs::path& file, const std::string& field,
                  PieceSink& out) {
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const RecordTable table = parse_jsonl(line, file.string());
      // An object without the field holds no text (as a JSONL null would).
      const std::optional<size_t> column = table.column(field);
      if (!column) continue;
      const FieldValue& value = table.rows.front().fields[*column];
      if (value.present && !value.is_list) out.add(value.text);
    } catch (...) {
      rethrow_with_context("line " + std::to_string(number));
    }
  }
}

void parse_csv_piece(const std::string& header, const std::string& piece, size_t first_line,
                     const fs::path& file, const std::string& field, PieceSink& out) {
  try {
    const RecordTable table = parse_csv(header + piece, file.string());
    const size_t column = table.require_column(field);
    for (const Record& record : table.rows)
      if (record.fields[column].present) out.add(record.fields[column].text);
  } catch (...) {
    rethrow_with_context("the records from line " + std::to_string(first_line));
  }
}

// Records may span lines (quoted newlines), so a piece of `records` records ends only where
// no quoted field is open.
void stream_csv(std::ifstream& in, const fs::path& file, const std::string& field, size_t records,
                PieceSink& out) {
  std::string header, piece;
  size_t number = 0, piece_line = 2, in_piece = 0;
  bool header_done = false, open_quote = false;
  for (std::string line; std::getline(in, line);) {
    ++number;
    line += '\n';
    open_quote = quote_open_after(line, open_quote);
    (header_done ? piece : header) += line;
    if (open_quote) continue;
    if (!header_done) {
      header_done = true;
      piece_line = number + 1;
    } else if (++in_piece >= records) {
      parse_csv_piece(header, piece, piece_line, file, field, out);
      piece.clear();
      piece_line = number + 1;
      in_piece = 0;
    }
  }
  if (!header_done) throw InputError("the CSV file has no header", file.string());
  parse_csv_piece(header, piece, piece_line, file, field, out);
}

}  // namespace

void stream_corpus_file(const fs::path& file, const std::string& text_field, size_t piece,
                        const std::function<void(std::vector<std::string>)>& sink) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw IoError("cannot read the pretraining corpus", file.string(),
                  "check [pretrain] corpus (paths are relative to the recipe)");
  PieceSink out(std::max<size_t>(piece, 1), sink);
  const std::string extension = file.extension().string();
  if (extension == ".csv")
    stream_csv(in, file, text_field, std::max<size_t>(piece, 1), out);
  else if (extension == ".jsonl")
    stream_jsonl(in, file, text_field, out);
  else
    stream_lines(in, file, out);
  out.flush();
}

TokenizedCorpus::TokenizedCorpus(int64_t max_length, int64_t sep_id, int64_t pad_id)
    : max_length_(max_length), sep_id_(sep_id), pad_id_(pad_id) {}

void TokenizedCorpus::add(const Encoder& encoder, const std::vector<std::string>& texts) {
  if (texts.empty()) return;
  const TokenBatch batch = encoder.tokenize(texts);
  const at::Tensor ids = batch.input_ids.to(at::kCPU, at::kLong).contiguous();
  const at::Tensor lengths = batch.attention_mask.sum(1).to(at::kCPU, at::kLong).contiguous();
  const int64_t width = ids.size(1);
  for (int64_t r = 0; r < ids.size(0); ++r) {
    const int64_t* row = ids.data_ptr<int64_t>() + r * width;
    const int64_t length = std::min(lengths.data_ptr<int64_t>()[r], max_length_);
    if (length <= 2) continue;  // [CLS] [SEP] alone (a blank text): nothing to predict
    for (int64_t j = 0; j < length; ++j) ids_.push_back(static_cast<int32_t>(row[j]));
    if (length < lengths.data_ptr<int64_t>()[r]) ids_.back() = static_cast<int32_t>(sep_id_);
    offsets_.push_back(static_cast<int64_t>(ids_.size()));
  }
}

void TokenizedCorpus::truncate(int64_t rows) {
  if (rows >= size()) return;
  offsets_.resize(static_cast<size_t>(rows) + 1);
  ids_.resize(static_cast<size_t>(offsets_.back()));
}

int64_t TokenizedCorpus::length(int64_t row) const {
  return offsets_[static_cast<size_t>(row) + 1] - offsets_[static_cast<size_t>(row)];
}

TokenBatch TokenizedCorpus::batch(const std::vector<int64_t>& rows) const {
  int64_t width = 1;
  for (int64_t r : rows) width = std::max(width, length(r));
  const auto n = static_cast<int64_t>(rows.size());
  TokenBatch out;
  out.input_ids = at::full({n, width}, pad_id_, at::kLong);
  out.attention_mask = at::zeros({n, width}, at::kLong);
  out.token_type_ids = at::zeros({n, width}, at::kLong);
  auto ids = out.input_ids.accessor<int64_t, 2>();
  auto mask = out.attention_mask.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t begin = offsets_[static_cast<size_t>(rows[static_cast<size_t>(i)])];
    for (int64_t j = 0; j < length(rows[static_cast<size_t>(i)]); ++j) {
      ids[i][j] = ids_[static_cast<size_t>(begin + j)];
      mask[i][j] = 1;
    }
  }
  return out;
}

}  // namespace rubrika
