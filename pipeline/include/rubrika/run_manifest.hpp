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
//
// Components: "encoder", "head", "calibrator", "ood.<name>" (first listed = primary),
// "reranker".
#pragma once

#include <toml++/toml.h>

#include <filesystem>
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

  const ComponentRecord* find(const std::string& role) const;
};

// Writes run_dir/pipeline.toml atomically.
void write_run_manifest(const std::filesystem::path& run_dir, const RunManifest& manifest);
// Reads run_dir/pipeline.toml. Throws ArtifactError when the folder or file is missing,
// malformed, or of a newer format than this build reads.
RunManifest read_run_manifest(const std::filesystem::path& run_dir);

// A table's copy without `type` (what a component record stores as its options).
toml::table options_without_type(const toml::table& table);

// "fnv1a64:<16 hex digits>" of `text`: a stable content hash for recipes and stage inputs.
std::string content_hash(const std::string& text);

}  // namespace rubrika
