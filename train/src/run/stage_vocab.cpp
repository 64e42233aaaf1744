// Stage "vocab": with a [vocab] section, learn a WordPiece vocabulary on the training
// split and point [encoder.init] vocab at it (a model trained from scratch).
#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/text/wordpiece_trainer.hpp>

namespace rubrika::detail {
namespace fs = std::filesystem;

void run_vocab_stage(StageRun& s) {
  const toml::table* table = s.tables().section("vocab");
  if (table == nullptr) return;
  const WordPieceTrainerOptions options = WordPieceTrainerOptions::from_toml(*table);
  const fs::path vocab_dir = s.layout().vocab();
  const std::vector<std::string>& texts = s.data().train.texts;
  if (!s.is_current()) {
    log_info("vocab", "training a " + std::to_string(options.vocab_size) +
                          "-token WordPiece vocabulary on " + std::to_string(texts.size()) +
                          " training texts");
    train_wordpiece_vocabulary(texts, options, vocab_dir);
    s.finish();
  }
  // The encoder reads the trained vocabulary through [encoder.init] vocab.
  const toml::table* encoder = s.tables().section("encoder");
  if (encoder == nullptr || encoder->get_as<toml::table>("init") == nullptr)
    throw RecipeError(
        "[vocab] trains a vocabulary for a model built from scratch, but [encoder] has no init "
        "table",
        s.recipe().file().string(), "add [encoder.init] or remove [vocab]");
  toml::table trained = *encoder;
  trained.get_as<toml::table>("init")->insert_or_assign("vocab", vocab_dir.string());
  s.set_encoder_table(std::move(trained));
}

}  // namespace rubrika::detail
