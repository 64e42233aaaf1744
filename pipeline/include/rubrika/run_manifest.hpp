// pipeline.toml: what `serve`, `predict` and `eval` rebuild a trained pipeline from.
//
//   format_version = 1            # refused when newer than this build's kRunFormatVersion
//   rubrika_version = "0.1.0"
//   run_name = "quickstart"
//   recipe_hash = "fnv1a64:…"     # of the resolved recipe text
//   labels = ["…", …]
//   [normalizer]                  # resolved Normalizer options
//   [[components]]                # one table per component, in pipeline order:
//   role = "encoder"              #   encoder | head | calibrator | ood.<name> | reranker
//   kind = "encoder"              #   plugin kind
//   type = "bert"                 #   plugin name
//   version = "1.0.0"             #   plugin version that wrote it
//   path = "encoder"              #   artifact folder inside the run folder ("." = run folder)
//   options = { … }               #   the recipe table the plugin was built from (minus `type`)
//   state = "calibrator"          #   group in state.h5 holding its fitted state, if any
//   [decision]                    # DecisionOptions
//   [long_text]                   # LongTextOptions (absent: truncate)
//   [label_texts]                 # reranker text per label
//   [[lineage]]                   # one per `rubrika extend` step, oldest first (LineageStep)
//   [checksums]                   # "sha256:<64 hex>" of every artifact file, by its path
//   "encoder/model.safetensors" = "sha256:…"   # relative to the run folder ('/'-separated)
//
// Checksums: write_run_manifest hashes the files the loaders read — every file under each
// component's `path` (a folder is walked recursively), a `model` option pointing inside the
// run folder, head.safetensors and state.h5 — as they are when it writes. read_run_manifest
// hashes each recorded file again and throws ArtifactError naming the file when it is
// missing or its content changed since the run was written; files added later are not
// looked at. A pipeline.toml without [checksums] (written before rubrika recorded them)
// still loads, unverified, with a warning in the log.
//
// Components: "encoder", "head", "calibrator", "ood.<name>" (first listed = primary),
// "reranker". An extended run adds "head.added.<n>" (and "calibrator.added.<n>" for a
// multi-label run): each part's `labels` names its columns, and the run's labels are
// gathered from the parts by name, so a removed label is a column no longer gathered.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

struct ComponentRecord {
  std::string role;     // "encoder", "head", "calibrator", "ood.mahalanobis", "reranker"
  std::string kind;     // plugin kind: encoder, head, calibrator, ood, reranker
  std::string type;     // plugin name
  std::string version;  // plugin version
  std::string path;     // artifact folder relative to the run folder; "" when none
  std::string state;    // state.h5 group; "" when none
  toml::table options;  // the plugin's recipe table without `type`
  // Heads and calibrators of an extended run: the labels of this part's columns, in order.
  // Empty: the run's labels (every run that was not extended).
  std::vector<std::string> labels;
};

// One `rubrika extend` step: the run it started from and what it changed.
struct LineageStep {
  std::string parent;                // the parent run folder (absolute)
  std::string parent_run_name;       // its run_name
  std::string parent_recipe_hash;    // its recipe_hash
  std::vector<std::string> added;    // labels added
  std::vector<std::string> removed;  // labels removed
  std::string data;                  // the labelled file the added labels were trained on
  std::string label_field;           // the field of `data` its labels were read from
  std::string created;               // when, UTC, ISO 8601 ("2026-12-02T10:00:00Z")
};

struct RunManifest {
  int64_t format_version = 1;
  std::string rubrika_version;
  std::string run_name;
  std::string recipe_hash;
  std::vector<std::string> labels;
  toml::table normalizer;
  std::vector<ComponentRecord> components;
  toml::table decision;
  toml::table long_text;
  toml::table label_texts;
  std::vector<LineageStep> lineage;  // empty for a run `rubrika train` made
  // What [checksums] records: run-relative path → "sha256:<64 hex>". Filled by
  // read_run_manifest; write_run_manifest ignores it and hashes the files on disk.
  std::map<std::string, std::string> checksums;

  const ComponentRecord* find(const std::string& role) const;
};

// Writes run_dir/pipeline.toml atomically, with the checksums of the artifact files now in
// run_dir (write it after every artifact).
void write_run_manifest(const std::filesystem::path& run_dir, const RunManifest& manifest);
// Reads run_dir/pipeline.toml and verifies the artifact checksums it records. Throws
// ArtifactError when the folder or file is missing, malformed, or of a newer format than
// this build reads, or when a recorded artifact file is missing or changed.
RunManifest read_run_manifest(const std::filesystem::path& run_dir);
// run_dir/pipeline.toml's content hash: an id of exactly what a server loaded.
std::string run_manifest_id(const std::filesystem::path& run_dir);

// A table's copy without `type` (what a component record stores as its options).
toml::table options_without_type(const toml::table& table);

// "fnv1a64:<16 hex digits>" of `text`: a stable content hash for recipes and stage inputs.
std::string content_hash(const std::string& text);

}  // namespace rubrika
