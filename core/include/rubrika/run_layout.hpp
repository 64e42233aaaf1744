// RunLayout: the one place that names the files and folders of a run folder.
//
//   runs/<name>/
//     recipe.toml        the resolved recipe            pipeline.toml  what serve loads
//     state.h5           labels, calibration, OOD       metrics.json   every stage's figures
//     train_log.jsonl    classifier training log        report.html    the run on one page
//     encoder/           Hugging Face layout            head.safetensors
//     reranker/          Hugging Face layout            reranker_pairs.jsonl  its training pairs
//     vocab/             trained WordPiece vocabulary   stages/<stage>.json   resume stamps
//     checkpoints/       resumable training state       reranker_training/    its trainer's folder
//     baseline/          a layout of its own: encoder/, head.safetensors, training/
//     pretraining/       the [pretrain] stage's trainer folder; pretraining/encoder/ the
//                        pretrained encoder with its MLM head (BertForMaskedLM layout)
//     heads/added-<n>.safetensors   a head `rubrika extend` trained for added labels
//     features.h5        encoder features `rubrika extend` computed once (its cache)
//
// Everything that reads or writes a run folder asks a RunLayout for the path; nothing else
// spells a run-folder name. Component paths recorded in pipeline.toml are relative to the
// run folder (kEncoder, kHead, kReranker).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace rubrika {

class RunLayout {
 public:
  // Names relative to the run folder, as pipeline.toml records component paths.
  static constexpr const char* kEncoder = "encoder";
  static constexpr const char* kHead = "head.safetensors";
  static constexpr const char* kReranker = "reranker";

  explicit RunLayout(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path recipe() const { return root_ / "recipe.toml"; }
  std::filesystem::path manifest() const { return root_ / "pipeline.toml"; }
  std::filesystem::path state() const { return root_ / "state.h5"; }
  std::filesystem::path metrics() const { return root_ / "metrics.json"; }
  std::filesystem::path report() const { return root_ / "report.html"; }
  std::filesystem::path train_log() const { return root_ / "train_log.jsonl"; }
  std::filesystem::path checkpoints() const { return root_ / "checkpoints"; }
  std::filesystem::path last_checkpoint() const { return checkpoints() / "last"; }
  std::filesystem::path best_checkpoint() const { return checkpoints() / "best_model.pt"; }
  std::filesystem::path encoder() const { return root_ / kEncoder; }
  std::filesystem::path head() const { return root_ / kHead; }
  std::filesystem::path reranker() const { return root_ / kReranker; }
  std::filesystem::path reranker_pairs() const { return root_ / "reranker_pairs.jsonl"; }
  std::filesystem::path vocab() const { return root_ / "vocab"; }
  // The head that extension `index` (1, 2, …) of `rubrika extend` trained for its labels;
  // pipeline.toml records it as component "head.added.<index>" with path added_head_name().
  static std::string added_head_name(int64_t index) {
    return "heads/added-" + std::to_string(index) + ".safetensors";
  }
  std::filesystem::path added_head(int64_t index) const { return root_ / added_head_name(index); }
  // Encoder features of the texts `rubrika extend` trains on, computed once and reused.
  std::filesystem::path feature_cache() const { return root_ / "features.h5"; }
  // Resume stamp of one training stage.
  std::filesystem::path stage_stamp(const std::string& stage) const {
    return root_ / "stages" / (stage + ".json");
  }
  // Where a trainer writes its checkpoints and log: the run folder for the classifier.
  RunLayout reranker_training() const { return RunLayout(root_ / "reranker_training"); }
  // The tf-idf baseline's own artifacts (encoder/, head.safetensors) and training/ folder.
  RunLayout baseline() const { return RunLayout(root_ / "baseline"); }
  RunLayout training() const { return RunLayout(root_ / "training"); }
  // The [pretrain] stage's checkpoints and train_log.jsonl, and its encoder/ (what the
  // classifier stage then fine-tunes).
  RunLayout pretraining() const { return RunLayout(root_ / "pretraining"); }

 private:
  std::filesystem::path root_;
};

}  // namespace rubrika
