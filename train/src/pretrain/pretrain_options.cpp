#include <rubrika/options_reader.hpp>
#include <rubrika/train/pretrain_options.hpp>

namespace rubrika {

namespace {

TrainerOptions pretraining_defaults() {
  TrainerOptions o;
  o.epochs = 1;
  o.batch_size = 32;
  o.learning_rate = 5e-5;
  o.warmup_ratio = 0.06;
  o.metric = TrainingMetric::loss;
  o.greater_is_better = false;
  return o;
}

}  // namespace

PretrainOptions PretrainOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "pretrain", /*plugin_table=*/false);
  PretrainOptions o;
  o.corpus = in.get_paths("corpus");
  o.corpus_text_field = in.get_string("corpus_text_field", o.corpus_text_field);
  o.masking.probability = in.get_double("mask_probability", o.masking.probability, 0.01, 0.9);
  o.masking.whole_word = in.get_bool("whole_word_mask", o.masking.whole_word);
  o.max_length = in.get_int("max_length", o.max_length, 8, 1 << 16);
  o.max_eval_texts = in.get_int("max_eval_texts", o.max_eval_texts, 1, 1 << 24);
  o.eval_batch_size = in.get_int("eval_batch_size", o.eval_batch_size, 1, 65536);
  o.trainer = TrainerOptions::read(in, "pretrain", pretraining_defaults());
  if (o.trainer.metric != TrainingMetric::loss && o.trainer.metric != TrainingMetric::accuracy)
    in.fail("metric", "must be \"loss\" or \"accuracy\" (masked-token accuracy) for [pretrain]");
  if (o.trainer.head_learning_rate > 0)
    in.fail("head_learning_rate", "is a [train] key: the MLM head learns at learning_rate");
  in.finish();
  return o;
}

}  // namespace rubrika
