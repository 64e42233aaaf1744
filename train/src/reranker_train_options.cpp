#include <rubrika/options_reader.hpp>
#include <rubrika/train/reranker_train_options.hpp>

namespace rubrika {
namespace {

// The reranker's trainer defaults: a cross-encoder on top of a trained encoder needs one
// short pass at a higher rate than full fine-tuning, chosen by ranking quality.
TrainerOptions reranker_trainer_defaults() {
  TrainerOptions o;
  o.epochs = 1;
  o.batch_size = 16;
  o.learning_rate = 1e-4;
  o.metric = TrainingMetric::mrr;
  return o;
}

}  // namespace

RerankerTrainOptions RerankerTrainOptions::read(const toml::table* table, uint64_t seed) {
  static const toml::table empty;
  OptionsReader in(table ? *table : empty, "reranker_train", false);
  RerankerTrainOptions o;
  o.mining.strategy = in.get_enum("strategy", o.mining.strategy, kMiningStrategyNames);
  o.mining.num_negatives = in.get_int("num_negatives", o.mining.num_negatives, 1, 1000);
  o.mining.range_min = in.get_int("range_min", o.mining.range_min, 0, 1000);
  o.mining.range_max = in.get_int("range_max", o.mining.range_max, 1, 100000);
  o.mining.max_score = in.get_double("max_score", o.mining.max_score, -1e300, 1e300);
  o.mining.absolute_margin = in.get_double("absolute_margin", o.mining.absolute_margin, 0.0, 1e9);
  o.mining.relative_margin = in.get_double("relative_margin", o.mining.relative_margin, 0.0, 1.0);
  o.mining.seed = seed;
  o.loss = in.get_enum("loss", o.loss, kRerankerLossNames);
  o.pos_weight = in.get_double("pos_weight", o.pos_weight, 1e-6, 1e6);
  o.candidates = in.get_int("candidates", o.candidates, 2, 1000);
  o.max_train_texts = in.get_int("max_train_texts", o.max_train_texts, 0, 100000000);
  o.fusion_weights = in.get_doubles("fusion_weights", o.fusion_weights);
  // The recipe's own table (not a copy), so errors point at the recipe's lines.
  const toml::table* train = in.get_table("train");
  OptionsReader train_in(train ? *train : empty, "reranker_train.train", false);
  o.train = TrainerOptions::read(train_in, "reranker_train.train", reranker_trainer_defaults());
  train_in.finish();
  in.finish();
  return o;
}

}  // namespace rubrika
