// Long texts as overlapping windows, with the windows' logits pooled into one answer per text.
//
// A news item of 400 words is longer than an encoder's max_length. The recipe's [long_text]
// table chooses what happens to it, the same way in training, eval, predict and serve:
//
//   [long_text]
//   mode = "windows"   # "truncate" (default): the encoder cuts each text at max_length
//   stride = 32        # word pieces consecutive windows share (the tokenizer's overlap)
//   pool = "max"       # how the windows' logits become the text's: "max" or "mean"
//
// With windows, Encoder::tokenize_windows gives one row per window and says which text each
// row belongs to (WindowedBatch::text_of_row); the head runs on every window, and
// pool_windows() turns the [windows, labels] logits into [texts, labels]. Features for OOD
// scoring are the mean of the windows' vectors (pool_encoder_output), so a text's OOD score
// does not depend on which window scored highest.
#pragma once

#include <rubrika/enum_names.hpp>
#include <rubrika/types.hpp>

#include <toml++/toml.h>

#include <cstdint>

namespace rubrika {

enum class LongTextMode { truncate, windows };
inline constexpr EnumName<LongTextMode> kLongTextModeNames[] = {
    {"truncate", LongTextMode::truncate}, {"windows", LongTextMode::windows}};

enum class WindowPool { max, mean };
inline constexpr EnumName<WindowPool> kWindowPoolNames[] = {{"max", WindowPool::max},
                                                            {"mean", WindowPool::mean}};

struct LongTextOptions {
  LongTextMode mode = LongTextMode::truncate;
  int64_t stride = 32;                // word pieces shared by consecutive windows
  WindowPool pool = WindowPool::max;  // windows' logits → the text's logits

  bool windows() const { return mode == LongTextMode::windows; }

  // The recipe's [long_text] table (an empty table gives the defaults). Unknown keys and
  // bad values are RecipeErrors at their file:line:col.
  static LongTextOptions from_toml(const toml::table& table);
  toml::table to_toml() const;
};

// What Encoder::tokenize_windows returns: every window of every text as one padded batch.
struct WindowedBatch {
  TokenBatch tokens;          // [windows, seq]
  torch::Tensor text_of_row;  // [windows] int64 on the CPU: the text (0..texts-1) of each row
  int64_t texts = 0;          // number of texts; each has at least one row, rows in text order
};

// One row per text: the windows of each text pooled. `rows` is [windows, ...] (logits or
// vectors), `text_of_row` [windows] int64 (any device), rows of one text contiguous and in
// text order. Returns [texts, ...] on rows' device. Differentiable (training uses it).
torch::Tensor pool_windows(const torch::Tensor& rows, const torch::Tensor& text_of_row,
                           int64_t texts, WindowPool pool);

// An EncoderOutput per text from one per window: cls and pooled are the mean of the text's
// windows; the mean-pooled vector likewise, kept as a one-token sequence (last_hidden_state
// [texts, 1, hidden], attention_mask all 1) as Pipeline::forward_all keeps it.
EncoderOutput pool_encoder_output(const EncoderOutput& windows, const torch::Tensor& text_of_row,
                                  int64_t texts);

}  // namespace rubrika
