// run_training: `rubrika train RECIPE` — every stage of a recipe, into one run folder.
//
// Stages, in order: data → baseline → vocab → classifier → calibrate → ood → reranker →
// report.
// Each stage records a stamp (stages/<stage>.json: a hash of the recipe sections and
// upstream stamps it depends on); a stage whose stamp matches and whose outputs exist is
// skipped and its outputs are loaded instead, so re-running a recipe after changing only
// [ood] refits only the OOD scorers. `--resume` continues an interrupted classifier or
// reranker training from its last checkpoint.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

class Recipe;
class PluginRegistry;
class Communicator;

struct TrainRequest {
  bool resume = false;              // continue interrupted training from checkpoints
  std::vector<std::string> stages;  // run only these (plus what they need); empty = all
  bool force = false;               // ignore stamps: run every selected stage again
  // Data-parallel workers (not owned; null: one process). Rank 0 runs every stage and
  // writes every file. The others wait until it has prepared the data and vocabulary, load
  // them, train the classifier with it and stop; the later stages (calibration, OOD, the
  // reranker, the report) run on rank 0 alone.
  Communicator* communicator = nullptr;
};

// Names of the stages in order.
const std::vector<std::string>& training_stages();

// Runs the recipe and returns the run folder. Throws rubrika::Error subclasses with the
// stage named in the message.
std::filesystem::path run_training(const Recipe& recipe, PluginRegistry& registry,
                                   const TrainRequest& request);

}  // namespace rubrika
