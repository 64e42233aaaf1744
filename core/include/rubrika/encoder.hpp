// Encoder: text in, vectors out.
//
// An encoder owns its tokenizer, so callers never pair a model with the wrong vocabulary:
// tokenize() turns texts (or text pairs) into a padded TokenBatch, forward() turns that
// batch into hidden states, the CLS vector and the pooled vector. It exposes its
// parameters for training and saves/loads itself as a folder (for `bert`: the Hugging
// Face layout, loadable back in Python).
//
// First plugins: `bert` (any Hugging Face BERT checkpoint), `tfidf` (sparse baseline).
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rubrika {

struct WindowedBatch;  // rubrika/long_text.hpp

class Encoder : public Component, public Trainable {
 public:
  // Tokenises `texts`, or the pairs (texts[i], pairs[i]) when `pairs` is given (same
  // length), truncating to max_length() and padding to the longest item.
  // Throws rubrika::InputError on invalid UTF-8 or mismatched lengths.
  virtual TokenBatch tokenize(const std::vector<std::string>& texts,
                              const std::vector<std::string>* pairs = nullptr) const = 0;

  // Long texts as overlapping windows of at most max_length() tokens, consecutive windows
  // of a text sharing `stride` word pieces; every window of every text in one padded batch
  // (see rubrika/long_text.hpp). The default gives one row per text: tokenize(texts), for
  // encoders without a notion of length (tfidf reads a whole text at once). Throws
  // rubrika::InputError on invalid UTF-8 or a stride that does not advance.
  virtual WindowedBatch tokenize_windows(const std::vector<std::string>& texts,
                                         int64_t stride) const;

  // Runs the model. With `output_hidden_states`, EncoderOutput::hidden_states is filled.
  // A text's outputs do not depend on how much padding its batch has.
  virtual EncoderOutput forward(const TokenBatch& batch, bool output_hidden_states = false) = 0;

  // Width of cls / pooled / hidden vectors.
  virtual int64_t hidden_size() const = 0;
  // Longest token sequence forward() accepts, specials included.
  virtual int64_t max_length() const = 0;

  // Writes the encoder (weights, config, tokenizer files) into `dir`, atomically.
  virtual void save(const std::filesystem::path& dir) const = 0;
};

}  // namespace rubrika
