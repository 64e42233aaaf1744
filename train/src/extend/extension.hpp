// What the steps of `rubrika extend` hand on to each other (private to train/src/extend):
// the parent as read, the merged texts and their features, the extended pipeline being
// assembled, and what the new run folder will hold. Each step's comment says which fields
// it reads and fills.
#pragma once

#include "extend_texts.hpp"
#include "feature_table.hpp"

#include <rubrika/extended_head.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/run_components.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/train/extend_run.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>

namespace rubrika::detail {

struct Extension {
  const ExtendRequest& request;
  PluginRegistry& registry;
  torch::Device device = c10::kCPU;
  RunManifest parent;                                 // the parent's pipeline.toml
  std::unique_ptr<RunComponents> parent_parts;        // builds the parent's components
  std::unique_ptr<Encoder> encoder;                   // the parent's, until the pipeline takes it
  std::vector<LabelledPart<Head>> parent_heads;       // the parent's head parts, as loaded
  bool multi_label = false;                           // the parent's head task
  ExtendTexts texts;                                  // every example, merged
  std::unique_ptr<FeatureTable> features;             // texts.texts, then texts.ood
  std::unique_ptr<Pipeline> pipeline;                 // the extended pipeline
  ExtendedHead* head = nullptr;                       // pipeline's head
  Head* added_head = nullptr;                         // its trained part (nullptr: remove only)
  int64_t index = 1;                                  // this extension's n (head.added.<n>)
  std::vector<int64_t> added_columns;                 // the added labels' columns
  RunManifest manifest;                               // the new pipeline.toml
  std::map<std::string, TensorMap> state_groups;      // the new state.h5's groups
  std::vector<double> thresholds;                     // multi-label: every label's, run order
  nlohmann::json report = nlohmann::json::object();   // metrics.json "extend"
  nlohmann::json metrics = nlohmann::json::object();  // metrics.json's other sections
  std::unique_ptr<AtomicDirectory> folder;            // the new run folder while it is written
  std::filesystem::path staging;                      // folder->path()

  // The ids (into features) of the texts of `rows`, in order.
  static std::vector<size_t> text_ids(const std::vector<const ExtendText*>& rows);
  // The extended pipeline on the cached features of `rows`' texts.
  ForwardResult forward(const std::vector<const ExtendText*>& rows);
};

// The steps, in the order extend_run() calls them.
void load_parent(Extension& e);           // parent, parent_parts, encoder, parent_heads
void assemble_pipeline(Extension& e);     // parent parts + added head → pipeline, manifest
void refit_calibrator(Extension& e);      // calibrator parts, records, state
void refit_thresholds(Extension& e);      // multi-label decision thresholds
void refit_ood(Extension& e);             // OOD scorers on the new label set
void evaluate_extension(Extension& e);    // test figures, old labels against the parent's
void write_extension(Extension& e);       // the staging folder, but metrics.json
void check_against_parent(Extension& e);  // the written folder answers old labels as before
// Writes metrics.json ({"extend": report, …}) and renames the staging folder into place.
void publish_extension(Extension& e);

}  // namespace rubrika::detail
