// Stage "vocab": with a [vocab] section, learn a WordPiece vocabulary on the training
// split and point [encoder.init] vocab at it (a model trained from scratch).
#include "run_state.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/text/wordpiece_trainer.hpp>

namespace rubrika::detail {
namespace fs = std::filesystem;

void run_vocab_stage(RunState& s) {
  const toml::table* table = s.tables().section("vocab");
  if (table == nullptr) return;
  const WordPieceTrainerOptions options = WordPieceTrainerOptions::from_toml(*table);
  const fs::path vocab_dir = s.layout().vocab();
  if (!stage_is_current(s, "vocab", s.stamps["vocab"], {vocab_dir})) {
    log_info("vocab", "training a " + std::to_string(options.vocab_size) +
                          "-token WordPiece vocabulary on " + std::to_string(s.train.size()) +
                          " training texts");
    train_wordpiece_vocabulary(s.train.texts, options, vocab_dir);
    record_stage(s, "vocab", s.stamps["vocab"]);
  }
  // The encoder reads the trained vocabulary through [encoder.init] vocab.
  const toml::table* encoder = s.tables().section("encoder");
  if (encoder == nullptr || encoder->get_as<toml::table>("init") == nullptr)
    throw RecipeError(
        "[vocab] trains a vocabulary for a model built from scratch, but [encoder] has no init "
        "table",
        s.recipe.file().string(), "add [encoder.init] or remove [vocab]");
  s.encoder_options = *encoder;
  s.encoder_options.get_as<toml::table>("init")->insert_or_assign("vocab", vocab_dir.string());
}

}  // namespace rubrika::detail
