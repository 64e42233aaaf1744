// PretrainOptions: the recipe's [pretrain] table, the masked-language-model stage that
// trains the encoder on the recipe's own texts before the classifier fine-tunes it (domain-
// adaptive pretraining of RuBERT, or pretraining a model built from scratch by [vocab]).
//
//   [pretrain]
//   corpus = ["unlabelled.txt"]   # more text besides the training split: .csv / .jsonl
//                                 # (field corpus_text_field) or one text a line
//   mask_probability = 0.15       # share of tokens to predict (80% [MASK], 10% random, 10% kept)
//   whole_word_mask = false       # mask whole words, every WordPiece piece of them
//   max_length = 128              # tokens per text, at most [encoder] max_length
//   epochs = 1                    # or max_steps; learning_rate, batch_size, warmup ... as [train]
//
// The validation split is the held-out slice its loss and masked-token accuracy are
// measured on (at most max_eval_texts of it, with fixed masks); the test split is never read.
#pragma once

#include <rubrika/train/token_masking.hpp>
#include <rubrika/train/trainer_options.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

struct PretrainOptions {
  std::vector<std::filesystem::path> corpus;  // unlabelled text files, absolute
  std::string corpus_text_field = "text";     // the column / field of .csv and .jsonl files
  MaskingOptions masking;
  int64_t max_length = 128;       // tokens per text, [CLS] and [SEP] included
  int64_t max_eval_texts = 2000;  // of the validation split, for the held-out figures
  int64_t eval_batch_size = 64;
  // Trainer keys as in [train], with MLM defaults: 1 epoch, batch 32, learning rate 5e-5,
  // 6% warm-up, the best checkpoint by the lowest held-out loss.
  TrainerOptions trainer;

  // Reads [pretrain]; RecipeError at the key for a bad value, an unknown key, or a metric
  // other than loss and accuracy.
  static PretrainOptions from_toml(const toml::table& table);
};

}  // namespace rubrika
