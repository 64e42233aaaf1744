// Stage "pretrain": with a [pretrain] section, masked-language-model training of the encoder
// on the training split and the [pretrain] corpus (domain-adaptive pretraining), written to
// pretraining/encoder/ with its MLM head; [encoder] then points there, so the classifier
// fine-tunes the pretrained encoder (the head is dropped when it loads).
#include "stage_common.hpp"
#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/masked_language_model.hpp>
#include <rubrika/train/communicator.hpp>
#include <rubrika/train/pretrain_options.hpp>
#include <rubrika/train/pretrain_task.hpp>
#include <rubrika/train/trainer.hpp>

#include <algorithm>

namespace rubrika::detail {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "pretrain";
constexpr size_t kTokenizePiece = 256;  // texts tokenised at a time

// The training texts: the training split, then every corpus file (normalised as the data
// stage normalises, so pretraining sees the text serving sees).
struct PretrainTexts {
  TokenizedCorpus train, held_out;
  int64_t split_texts = 0, corpus_texts = 0, tokens = 0;
};

PretrainTexts tokenize_texts(const StageRun& s, const Encoder& encoder,
                             const MaskingVocabulary& vocabulary, const PretrainOptions& options) {
  const DataOutput& data = s.data();
  const int64_t max_length = std::min(options.max_length, encoder.max_length());
  PretrainTexts out{TokenizedCorpus(max_length, vocabulary.sep_id, vocabulary.pad_id),
                    TokenizedCorpus(max_length, vocabulary.sep_id, vocabulary.pad_id)};
  const auto add_all = [&](TokenizedCorpus& corpus, const std::vector<std::string>& texts) {
    for (size_t begin = 0; begin < texts.size(); begin += kTokenizePiece) {
      const auto end = std::min(texts.size(), begin + kTokenizePiece);
      corpus.add(encoder, {texts.begin() + static_cast<std::ptrdiff_t>(begin),
                           texts.begin() + static_cast<std::ptrdiff_t>(end)});
    }
  };
  add_all(out.train, data.train.texts);
  out.split_texts = out.train.size();
  for (const fs::path& file : options.corpus)
    stream_corpus_file(file, options.corpus_text_field, kTokenizePiece,
                       [&](std::vector<std::string> texts) {
                         for (std::string& text : texts) text = data.normalize(text);
                         out.train.add(encoder, texts);
                       });
  out.corpus_texts = out.train.size() - out.split_texts;
  out.tokens = out.train.tokens();
  add_all(out.held_out, data.validation.texts);
  out.held_out.truncate(options.max_eval_texts);
  log_info(kSource, std::to_string(out.train.size()) + " texts (" +
                        std::to_string(out.split_texts) + " of the training split, " +
                        std::to_string(out.corpus_texts) + " of the corpus), " +
                        std::to_string(out.train.tokens()) + " tokens; " +
                        std::to_string(out.held_out.size()) + " held-out validation texts");
  return out;
}

MaskedLanguageModel& masked_language_model(const StageRun& s, Encoder& encoder,
                                           const std::string& type) {
  auto* model = dynamic_cast<MaskedLanguageModel*>(&encoder);
  if (model == nullptr)
    throw RecipeError("[pretrain] trains a masked-language model, but the '" + type +
                          "' encoder cannot predict masked tokens",
                      s.recipe().file().string(),
                      "use [encoder] type = \"bert\" or remove [pretrain]");
  return *model;
}

// Rank 0's record of the stage in metrics.json: what it read, the best held-out figures and
// the curves of pretraining/train_log.jsonl.
void record_metrics(StageRun& s, const std::string& type, const PretrainTexts& texts,
                    const PretrainOptions& options, const TrainingResult& result) {
  s.metrics() = {{"encoder", type},
                 {"texts", texts.split_texts + texts.corpus_texts},
                 {"corpus_texts", texts.corpus_texts},
                 {"tokens", texts.tokens},
                 {"whole_word_mask", options.masking.whole_word},
                 {"mask_probability", options.masking.probability},
                 {"best_step", result.best_step},
                 {"steps", result.steps},
                 {"train_seconds", result.seconds},
                 {"best_validation", result.best_evaluation}};
  add_training_curves(s.layout().pretraining().train_log(), s.metrics());
  const auto accuracy = result.best_evaluation.find("accuracy");
  log_info(kSource,
           "held-out masked-token accuracy " +
               format_metric(accuracy == result.best_evaluation.end() ? 0.0 : accuracy->second) +
               ", loss " +
               format_metric(
                   result.best_evaluation.count("loss") ? result.best_evaluation.at("loss") : 0.0));
}

void pretrain(StageRun& s, const PretrainOptions& options, const toml::table& encoder_table) {
  const std::string type = s.tables().plugin_type("encoder");
  const RunLayout work = s.layout().pretraining();
  auto encoder = s.registry().create<Encoder>(type, s.context(), encoder_table);
  MaskedLanguageModel& model = masked_language_model(s, *encoder, type);
  MaskingVocabulary vocabulary =
      MaskingVocabulary::from_tokens(model.vocabulary_tokens(), "[encoder] vocabulary");
  PretrainTexts texts = tokenize_texts(s, *encoder, vocabulary, options);
  const uint64_t seed = s.recipe().run().seed;
  PretrainTask task(*encoder, model, std::move(texts.train), std::move(texts.held_out), vocabulary,
                    options.masking, options.eval_batch_size, seed);
  Trainer trainer(options.trainer, work.root(), kSource, seed);
  trainer.distribute(s.request().communicator);
  const TrainingResult result = trainer.train(task, s.request().resume);
  if (s.lead()) {
    model.save_with_masked_lm_head(work.encoder());
    record_metrics(s, type, texts, options, result);
  }
  // The workers load pretraining/encoder in the classifier stage once rank 0 has written it.
  if (s.request().communicator) s.request().communicator->barrier();
}

}  // namespace

void run_pretrain_stage(StageRun& s) {
  const toml::table* table = s.tables().section("pretrain");
  if (table == nullptr) {
    s.drop_metrics();  // figures of an earlier run of this folder that had [pretrain]
    return;
  }
  const PretrainOptions options = PretrainOptions::from_toml(*table);
  const toml::table* trained = s.trained_encoder_table();
  const toml::table* recipe_encoder = s.tables().section("encoder");
  if (trained == nullptr && recipe_encoder == nullptr)
    throw RecipeError("[pretrain] pretrains the encoder, but the recipe has no [encoder]",
                      s.recipe().file().string(), "add [encoder] type = \"bert\"");
  const toml::table& encoder_table = trained ? *trained : *recipe_encoder;
  if (s.is_current())
    log_info(kSource, "up to date: " + s.layout().pretraining().encoder().string());
  else
    pretrain(s, options, encoder_table);
  // The classifier fine-tunes the pretrained model, with the encoder's other keys unchanged.
  toml::table pretrained = encoder_table;
  pretrained.erase("init");
  pretrained.insert_or_assign("model", s.layout().pretraining().encoder().string());
  s.set_encoder_table(std::move(pretrained));
  s.finish();
}

}  // namespace rubrika::detail
