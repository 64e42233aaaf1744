#include "baseline_options.hpp"

#include <rubrika/options_reader.hpp>

#include <algorithm>

namespace rubrika::detail {
namespace {

// The tfidf encoder's keys (plugins/encoders/tfidf/tfidf_encoder.hpp). Listed here so an
// unknown [baseline] key is reported against [baseline] with a "did you mean" over all of
// its keys; the plugin validates their values.
const char* const kEncoderKeys[] = {"word_ngrams",  "char_ngrams", "max_features", "min_df",
                                    "sublinear_tf", "lowercase",   "max_length"};

}  // namespace

BaselineOptions BaselineOptions::read(const toml::table* table) {
  static const toml::table empty;
  const toml::table& t = table ? *table : empty;
  OptionsReader in(t, "baseline", false);
  BaselineOptions o;
  o.enabled = in.get_bool("enabled", o.enabled);
  for (const char* key : kEncoderKeys) {
    in.allow(key);
    if (const toml::node* node = t.get(key)) o.encoder.insert(key, *node);
  }
  // Logistic regression on unit-length TF-IDF rows: large batches with a large step size
  // and few epochs, no decay or dropout. On the quickstart's 7200 training ads (batches of
  // 256) this gives test macro-F1 0.978 in ~20 s on 2 cores; batches of 32 for 5 epochs
  // give the same figure in twice the time (the optimiser step over 50 × 39k weights
  // dominates).
  o.train.epochs = in.get_int("epochs", 3, 1, 1000);
  o.batch_size = in.get_int("batch_size", o.batch_size, 0, 65536);
  o.train.learning_rate = in.get_double("learning_rate", 0.05, 1e-8, 10.0);
  o.train.weight_decay = in.get_double("weight_decay", 0.0, 0.0, 10.0);
  o.train.group_by_length = false;
  o.train.metric = "macro_f1";
  in.finish();
  return o;
}

TrainerOptions BaselineOptions::trainer_options(size_t train_texts) const {
  TrainerOptions o = train;
  o.batch_size = batch_size > 0
                     ? batch_size
                     : std::clamp<int64_t>(static_cast<int64_t>(train_texts) / 25, 16, 256);
  return o;
}

}  // namespace rubrika::detail
