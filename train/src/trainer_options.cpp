#include <rubrika/options_reader.hpp>
#include <rubrika/train/trainer_options.hpp>

#include <limits>

namespace rubrika {

TrainerOptions TrainerOptions::from_toml(const toml::table& table, const std::string& section) {
  OptionsReader in(table, section, false);
  TrainerOptions o = read(in, section);
  in.finish();
  return o;
}

TrainerOptions TrainerOptions::read(OptionsReader& in, const std::string& section,
                                    const TrainerOptions& defaults) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  TrainerOptions o = defaults;
  o.epochs = in.get_int("epochs", o.epochs, 1, 10000);
  o.max_steps = in.get_int("max_steps", o.max_steps, 0, kMax);
  o.batch_size = in.get_int("batch_size", o.batch_size, 1, 65536);
  o.gradient_accumulation_steps =
      in.get_int("gradient_accumulation_steps", o.gradient_accumulation_steps, 1, 4096);
  o.learning_rate = in.get_double("learning_rate", o.learning_rate, 0.0, 10.0);
  o.head_learning_rate = in.get_double("head_learning_rate", o.head_learning_rate, 0.0, 10.0);
  o.weight_decay = in.get_double("weight_decay", o.weight_decay, 0.0, 10.0);
  o.adam_beta1 = in.get_double("adam_beta1", o.adam_beta1, 0.0, 0.999999);
  o.adam_beta2 = in.get_double("adam_beta2", o.adam_beta2, 0.0, 0.999999);
  o.adam_epsilon = in.get_double("adam_epsilon", o.adam_epsilon, 0.0, 1.0);
  o.warmup_ratio = in.get_double("warmup_ratio", o.warmup_ratio, 0.0, 1.0);
  o.warmup_steps = in.get_int("warmup_steps", o.warmup_steps, -1, kMax);
  o.max_grad_norm = in.get_double("max_grad_norm", o.max_grad_norm, 0.0, 1e6);
  o.group_by_length = in.get_bool("group_by_length", o.group_by_length);
  o.eval_every_steps = in.get_int("eval_every_steps", o.eval_every_steps, 0, kMax);
  o.metric = in.get_enum("metric", o.metric, kTrainingMetricNames);
  o.greater_is_better = in.get_bool("greater_is_better", o.metric != TrainingMetric::loss);
  o.early_stopping_patience =
      in.get_int("early_stopping_patience", o.early_stopping_patience, 0, kMax);
  o.early_stopping_threshold =
      in.get_double("early_stopping_threshold", o.early_stopping_threshold, 0.0, 1e6);
  o.checkpoint_every_steps =
      in.get_int("checkpoint_every_steps", o.checkpoint_every_steps, 0, kMax);
  o.log_every_steps = in.get_int("log_every_steps", o.log_every_steps, 1, kMax);
  o.mixed_precision = in.get_enum("mixed_precision", o.mixed_precision, kMixedPrecisionNames);
  o.section = section;
  return o;
}

toml::table TrainerOptions::to_toml() const {
  toml::table out{{"epochs", epochs},
                  {"batch_size", batch_size},
                  {"gradient_accumulation_steps", gradient_accumulation_steps},
                  {"learning_rate", learning_rate},
                  {"head_learning_rate", head_learning_rate},
                  {"weight_decay", weight_decay},
                  {"adam_beta1", adam_beta1},
                  {"adam_beta2", adam_beta2},
                  {"adam_epsilon", adam_epsilon},
                  {"warmup_ratio", warmup_ratio},
                  {"warmup_steps", warmup_steps},
                  {"max_grad_norm", max_grad_norm},
                  {"group_by_length", group_by_length},
                  {"eval_every_steps", eval_every_steps},
                  {"metric", metric_name()},
                  {"greater_is_better", greater_is_better},
                  {"early_stopping_patience", early_stopping_patience},
                  {"early_stopping_threshold", early_stopping_threshold},
                  {"checkpoint_every_steps", checkpoint_every_steps},
                  {"log_every_steps", log_every_steps}};
  // Written only when set, so run folders trained before the options existed stay current.
  if (max_steps > 0) out.insert("max_steps", max_steps);
  if (mixed_precision != Precision::fp32)
    out.insert("mixed_precision", enum_name(kMixedPrecisionNames, mixed_precision));
  return out;
}

}  // namespace rubrika
