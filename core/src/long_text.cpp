#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/options_reader.hpp>

#include <ATen/ATen.h>

#include <limits>
#include <string>
#include <vector>

namespace rubrika {

LongTextOptions LongTextOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "long_text", /*plugin_table=*/false);
  LongTextOptions o;
  o.mode = in.get_enum("mode", o.mode, kLongTextModeNames);
  // A key that does nothing in this mode is a mistake in the recipe, not a harmless extra:
  // the author believes the texts are read in windows.
  if (!o.windows())
    for (const char* key : {"stride", "pool"})
      if (in.has(key))
        in.fail(key, "applies only to mode = \"windows\", and mode is \"truncate\"",
                "set mode = \"windows\", or remove `" + std::string(key) + "`");
  o.stride = in.get_int("stride", o.stride, 0, int64_t{1} << 20);
  o.pool = in.get_enum("pool", o.pool, kWindowPoolNames);
  in.finish();
  return o;
}

toml::table LongTextOptions::to_toml() const {
  toml::table out{{"mode", enum_name(kLongTextModeNames, mode)}};
  // Only the keys from_toml accepts for this mode, so the table reads back.
  if (windows()) {
    out.insert("stride", stride);
    out.insert("pool", enum_name(kWindowPoolNames, pool));
  }
  return out;
}

namespace {

void check_rows_of_texts(const at::Tensor& rows, const at::Tensor& text_of_row, int64_t texts) {
  if (!rows.defined() || rows.dim() < 1 || !text_of_row.defined() || text_of_row.dim() != 1 ||
      text_of_row.size(0) != rows.size(0) || texts < 0)
    throw InputError("pool_windows needs rows [windows, ...] and text_of_row [windows]", "",
                     "give one text index per row, as WindowedBatch::text_of_row does");
}

}  // namespace

at::Tensor pool_windows(const at::Tensor& rows, const at::Tensor& text_of_row, int64_t texts,
                        WindowPool pool) {
  check_rows_of_texts(rows, text_of_row, texts);
  std::vector<int64_t> shape = rows.sizes().vec();  // [windows, ...] → [texts, ...]
  shape[0] = texts;
  if (rows.size(0) == 0) return at::zeros(shape, rows.options());
  // Each text's windows side by side in a [texts, longest, ...] grid, padded with a value
  // that changes neither result, then one reduction over the windows. (scatter_reduce
  // would do it in one call, but it is a beta API in this libtorch that warns on stderr,
  // and its amax gradient goes astray when a maximum equals the value it starts from.)
  const at::Tensor owner = text_of_row.to(rows.device(), at::kLong);  // [windows]
  const at::Tensor counts = at::bincount(owner, {}, texts);           // [texts]
  const at::Tensor first = counts.cumsum(0) - counts;                 // [texts]: first row
  const at::Tensor position =
      at::arange(rows.size(0), owner.options()) - first.index_select(0, owner);  // [windows]
  std::vector<int64_t> grid_shape = shape;
  grid_shape.insert(grid_shape.begin() + 1, counts.max().item<int64_t>());
  const bool max = pool == WindowPool::max;
  const double padding = max ? -std::numeric_limits<double>::infinity() : 0.0;
  const at::Tensor grid = at::full(grid_shape, padding, rows.options())
                              .index_put({owner, position}, rows);  // [texts, longest, ...]
  if (max) return grid.amax(1);
  std::vector<int64_t> per_text(shape.size(), 1);  // [texts, 1, ...] to divide each text's sum
  per_text[0] = texts;
  return grid.sum(1) / counts.clamp_min(1).to(rows.scalar_type()).view(per_text);
}

EncoderOutput pool_encoder_output(const EncoderOutput& windows, const at::Tensor& text_of_row,
                                  int64_t texts) {
  const auto mean = [&](const at::Tensor& rows) {
    return rows.defined() ? pool_windows(rows, text_of_row, texts, WindowPool::mean) : at::Tensor();
  };
  EncoderOutput out;
  out.cls = mean(windows.cls);        // [texts, hidden]
  out.pooled = mean(windows.pooled);  // [texts, hidden]
  if (windows.last_hidden_state.defined() && windows.attention_mask.defined()) {
    const at::Tensor vectors = mean(windows.mean_pooled());  // [texts, hidden]
    out.last_hidden_state = vectors.unsqueeze(1);            // [texts, 1, hidden]
    out.attention_mask = at::ones({texts, 1}, vectors.options().dtype(at::kLong));
  }
  return out;
}

WindowedBatch Encoder::tokenize_windows(const std::vector<std::string>& texts,
                                        int64_t stride) const {
  if (stride < 0)
    throw InputError("stride " + std::to_string(stride) + " is negative", "tokenize_windows",
                     "windows share stride >= 0 word pieces");
  WindowedBatch out;
  out.tokens = tokenize(texts);
  out.texts = static_cast<int64_t>(texts.size());
  out.text_of_row = at::arange(out.texts, at::kLong);
  return out;
}

}  // namespace rubrika
