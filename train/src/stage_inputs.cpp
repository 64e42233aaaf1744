#include <rubrika/error.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/train/stage_inputs.hpp>

#include <algorithm>
#include <sstream>

namespace rubrika {

const std::vector<StageInputs>& stage_inputs() {
  // The baseline needs only the split, so it comes right after data: `--stages baseline`
  // does not pay for the classifier. The vocab stage fills the encoder table's vocabulary,
  // so it reads [encoder] too; pretrain then points the table at the encoder it pretrained. Calibrate and the stages after it go on with the classifier's
  // pipeline and read the split's labels.
  using L = const RunLayout&;
  static const std::vector<StageInputs> stages = {
      {"data", {"data", "normalizer"}, {}, {}, "data"},
      {"baseline",
       {"baseline", "decision"},
       {"data"},
       {[](L l) { return l.baseline().encoder(); }, [](L l) { return l.baseline().head(); }},
       "baseline"},
      {"vocab", {"vocab", "encoder"}, {"data"}, {[](L l) { return l.vocab(); }}, ""},
      {"pretrain",
       {"pretrain", "encoder"},
       {"data", "vocab"},
       {[](L l) { return l.pretraining().encoder(); }},
       "pretrain",
       "pretrain"},
      {"classifier",
       {"encoder", "head", "train", "long_text"},
       {"data", "vocab", "pretrain"},
       {[](L l) { return l.encoder(); }, [](L l) { return l.head(); }},
       "classifier"},
      {"calibrate", {"calibrator"}, {"classifier", "data"}, {}, "calibration"},
      {"thresholds", {"decision"}, {"classifier", "calibrate", "data"}, {}, "multilabel"},
      {"ood", {"ood", "ood_report"}, {"classifier", "calibrate", "data"}, {}, "ood"},
      {"reranker",
       {"reranker", "reranker_train", "decision"},
       {"classifier", "calibrate", "data"},
       {[](L l) { return l.reranker(); }},
       "reranker"},
      {"report", {}, {"data"}, {}, "serving"}};
  return stages;
}

std::string stage_stamp(const Recipe& recipe, const StageInputs& stage,
                        const std::map<std::string, std::string>& stamps) {
  if (!stage.runs_only_with.empty() && recipe.section(stage.runs_only_with) == nullptr) return "";
  std::ostringstream text;
  for (const auto& name : stage.sections) {
    text << "[" << name << "]\n";
    if (const toml::table* t = recipe.section(name)) text << *t << "\n";
  }
  text << "seed=" << recipe.run().seed << "\n";
  for (const auto& upstream : stage.upstream) {
    auto found = stamps.find(upstream);
    if (found != stamps.end() && found->second.empty()) continue;
    text << upstream << "=" << (found == stamps.end() ? "" : found->second) << "\n";
  }
  return content_hash(text.str());
}

void check_upstream_declared(const StageInputs& stage, const std::string& upstream) {
  if (std::find(stage.upstream.begin(), stage.upstream.end(), upstream) == stage.upstream.end())
    throw Error("stage '" + stage.name + "' uses the output of stage '" + upstream +
                    "' without declaring it",
                "",
                "add \"" + upstream +
                    "\" to its upstream stages in train/src/stage_inputs.cpp, or its resume "
                    "stamp would ignore changes to '" +
                    upstream + "'");
}

void StageRecipe::check_declared(const std::string& name) const {
  if (std::find(stage_.sections.begin(), stage_.sections.end(), name) == stage_.sections.end())
    throw Error("stage '" + stage_.name + "' reads [" + name + "] without declaring it", "",
                "add \"" + name +
                    "\" to its sections in train/src/stage_inputs.cpp, or its "
                    "resume stamp would ignore changes to [" +
                    name + "]");
}

const toml::table* StageRecipe::section(const std::string& name) const {
  check_declared(name);
  return recipe_.section(name);
}

std::string StageRecipe::plugin_type(const std::string& name) const {
  check_declared(name);
  return recipe_.plugin_type(name);
}

}  // namespace rubrika
