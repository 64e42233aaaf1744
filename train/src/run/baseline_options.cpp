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
  // Logistic regression on unit-length TF-IDF rows: large batches with a large step size,
  // no decay or dropout, trained to convergence: up to `epochs` (a cap) with early stopping
  // on validation macro-F1 (the best epoch's weights are kept). A fixed 3 epochs left 1-3
  // macro-F1 points on real data sets, whose best epoch was the last one.
  o.train.epochs = in.get_int("epochs", 30, 1, 1000);
  o.train.early_stopping_patience = in.get_int("early_stopping_patience", 3, 0, 1000);
  o.train.early_stopping_threshold = in.get_double("early_stopping_threshold", 1e-3, 0.0, 1.0);
  o.batch_size = in.get_int("batch_size", o.batch_size, 0, 65536);
  o.train.learning_rate = in.get_double("learning_rate", 0.05, 1e-8, 10.0);
  o.train.weight_decay = in.get_double("weight_decay", 0.0, 0.0, 10.0);
  o.train.group_by_length = false;
  o.train.metric = TrainingMetric::macro_f1;
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
