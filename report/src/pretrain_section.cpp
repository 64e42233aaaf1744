// The [pretrain] stage: what it trained on, and its masked-language-model curves (training
// loss per step; held-out loss and masked-token accuracy per evaluation).
#include "sections.hpp"

#include "svg.hpp"

#include <sstream>

namespace rubrika::report {

using nlohmann::json;

bool is_pretrained_run(const json& m) { return child(m, "pretrain").is_object(); }

std::string pretrain_section(const json& m) {
  const json& p = child(m, "pretrain");
  std::ostringstream s;
  s << "<p>Masked-language-model pretraining of the <b>" << escape(text_at(p, "encoder"))
    << "</b> encoder on " << cell(p, "texts", 9) << " texts (" << cell(p, "corpus_texts", 9)
    << " from the corpus files), " << cell(p, "tokens", 10) << " tokens; "
    << cell(p, "mask_probability", 3) << " of the tokens masked"
    << (child(p, "whole_word_mask").is_boolean() && child(p, "whole_word_mask").get<bool>()
            ? " by whole words"
            : "")
    << ". Best evaluation at step " << cell(p, "best_step", 8) << " of " << cell(p, "steps", 8)
    << ": loss <b>" << cell(child(p, "best_validation"), "loss")
    << "</b>, masked-token accuracy <b>" << cell(child(p, "best_validation"), "accuracy")
    << "</b>, perplexity " << cell(child(p, "best_validation"), "perplexity") << ".</p>";
  Series training{"training MLM loss", "#2b6cb0", {}, {}};
  for (const auto& h : child(p, "history"))
    if (has_number(h, "loss"))
      training.points.emplace_back(number_at(h, "step"), number_at(h, "loss"));
  Series held_out{"held-out MLM loss", "#c05621", {}, {}},
      accuracy{"held-out masked-token accuracy", "#2f855a", {}, {}};
  for (const auto& e : child(p, "evaluations")) {
    const std::string note = "step " + cell(e, "step", 8);
    held_out.points.emplace_back(number_at(e, "step"), number_at(e, "loss"));
    held_out.notes.push_back(note + ": loss " + cell(e, "loss"));
    accuracy.points.emplace_back(number_at(e, "step"), number_at(e, "accuracy"));
    accuracy.notes.push_back(note + ": accuracy " + cell(e, "accuracy"));
  }
  s << "<div class='grid'><div><h3>MLM loss per step</h3>"
    << line_chart({training, held_out}, "step", "cross-entropy")
    << "</div><div><h3>Held-out masked-token accuracy</h3>"
    << line_chart({accuracy}, "step", "accuracy") << "</div></div>";
  return s.str();
}

}  // namespace rubrika::report
