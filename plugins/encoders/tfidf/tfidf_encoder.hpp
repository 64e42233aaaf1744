// The `tfidf` encoder plugin: word and character n-gram TF-IDF, the baseline of the old
// notebooks (TfidfVectorizer + LogisticRegression = this encoder + the `linear` head), and
// the proof that rubrika::Encoder is not BERT-specific.
//
// Recipe:
//   [encoder]
//   type = "tfidf"
//   word_ngrams = [1, 2]     # word n-gram sizes; [] switches word features off
//   char_ngrams = [2, 5]     # char_wb n-gram sizes; [] switches character features off
//   max_features = 25000     # per analyzer: at most 2 × 25000 = 50000 features in all
//   min_df = 2               # keep n-grams found in at least this many training texts
//   sublinear_tf = true      # tf → 1 + ln(tf)
//   lowercase = true         # lowercase before extracting n-grams
//   max_length = 8192        # n-gram occurrences kept per text
//
// Fitting: the encoder is a rubrika::Fittable; the classifier stage calls fit() with the
// training split, which selects the vocabulary and IDF (see tfidf_vocabulary.hpp).
//
// TokenBatch layout (the design: forward() needs only the batch, and the batch holds
// integer ids like any other encoder's):
//   input_ids      [batch, seq] int64: one entry per OCCURRENCE of a known n-gram, its
//                  feature id (word features first, then char features), sorted; repeats
//                  are kept so forward() recovers term counts; unknown n-grams are dropped.
//   attention_mask [batch, seq] int64: 1 for entries, 0 for padding (padding id 0).
//   token_type_ids [batch, seq] int64: zeros.
// seq is at least 1, so a text without known n-grams is one padding entry.
//
// forward(): counts = scatter_add of the mask over ids → [batch, features]; tf (sublinear
// or raw) × idf; each analyzer's block is L2-normalised on its own (like scikit-learn's
// FeatureUnion of two TfidfVectorizers), then the whole row is L2-normalised, so a row
// has norm 1 (0 when the text has no known n-gram) and both analyzers weigh the same.
// cls = pooled = that dense row; last_hidden_state = cls.unsqueeze(1) with a [batch, 1]
// mask of ones, so mean pooling gives the same vector. Dense is fine up to ~50k features.
//
// Files (save(dir), written atomically; loaded from PluginContext::artifact when the host
// says ArtifactUse::load, which is how a trained run folder is served):
//   vocab.json       {"format": "rubrika-tfidf", "format_version": 1, "documents": n,
//                     "settings": {word_ngrams, char_ngrams, max_features, min_df,
//                     sublinear_tf, lowercase}, "word_features": [...], "char_features": [...]}
//                     (feature id = position in word_features, then W + position in
//                     char_features)
//   idf.safetensors  "idf": F32 [W + C], in feature-id order.
// A saved vocabulary decides the features; recipe settings that differ are reported.
#pragma once

#include "tfidf_analyzer.hpp"
#include "tfidf_vocabulary.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/fittable.hpp>
#include <rubrika/text/normalizer.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika::tfidf {

class TfidfEncoder : public rubrika::Encoder, public rubrika::Fittable {
 public:
  // What decides the features; saved with the vocabulary.
  struct Settings {
    NgramRange word_ngrams{1, 2};  // word n-gram sizes; max_n 0: off
    NgramRange char_ngrams{2, 5};  // char_wb n-gram sizes; max_n 0: off
    int64_t max_features = 25000;  // per analyzer, most frequent in the training texts
    int64_t min_df = 2;            // minimum number of training texts holding an n-gram
    bool sublinear_tf = true;      // 1 + ln(tf) instead of tf
    bool lowercase = true;         // lowercase (Unicode) before extracting n-grams
    bool operator==(const Settings& other) const;
  };

  struct Options {
    Settings settings;
    int64_t max_length = 8192;  // n-gram occurrences kept per text (the first ones)
    static Options from_toml(const toml::table& table);
  };

  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "TF-IDF over word (1-2) and char_wb (2-5) n-grams, fitted on the training texts";
  static constexpr int kFormatVersion = 1;

  TfidfEncoder(const PluginContext& context, Options options);

  // Fittable: selects the vocabulary and IDF from `texts` (replaces a previous fit).
  // Throws InputError when no n-gram reaches min_df.
  void fit(const std::vector<std::string>& texts) override;
  bool fitted() const override { return idf_.defined(); }

  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>* pairs = nullptr) const override;
  EncoderOutput forward(const TokenBatch& batch, bool output_hidden_states = false) override;
  int64_t hidden_size() const override { return words_.size() + chars_.size(); }
  int64_t max_length() const override { return options_.max_length; }
  void save(const std::filesystem::path& dir) const override;

  // No trainable parameters: a head trains on top of the frozen features.
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device& device) override;

  const AnalyzerVocabulary& word_vocabulary() const { return words_; }
  const AnalyzerVocabulary& char_vocabulary() const { return chars_; }
  const Settings& settings() const { return options_.settings; }
  // The IDF per feature id: [features] float.
  const torch::Tensor& idf() const { return idf_; }

 private:
  // Feature ids of every known n-gram occurrence of one text, sorted.
  std::vector<int64_t> feature_ids(const std::string& text) const;
  std::string prepare(const std::string& text) const;  // UTF-8 check + lowercase
  static NormalizerOptions preparation(bool lowercase);
  void set_idf();
  void load(const std::filesystem::path& dir);

  Options options_;
  torch::Device device_;
  Normalizer normalizer_;
  int64_t documents_ = 0;
  AnalyzerVocabulary words_;
  AnalyzerVocabulary chars_;
  torch::Tensor idf_;  // [features] float on device_; undefined until fitted or loaded
};

}  // namespace rubrika::tfidf
