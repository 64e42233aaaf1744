#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/io/sha256.hpp>
#include <rubrika/log.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/run_manifest.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

std::string string_at(const toml::table& table, const std::string& key, const fs::path& file) {
  const toml::node* node = table.get(key);
  if (node == nullptr || !node->is_string())
    throw ArtifactError("'" + key + "' is missing or not a string", file.string(),
                        "the run folder is incomplete; train it again");
  return node->as_string()->get();
}

std::vector<std::string> strings_at(const toml::table& table, const std::string& key,
                                    const fs::path& file) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr)
    throw ArtifactError("'" + key + "' is not a list of strings", file.string(),
                        "the run folder is damaged; extend or train it again");
  for (const auto& item : *array) {
    if (!item.is_string())
      throw ArtifactError("'" + key + "' holds a value that is not a string", file.string(),
                          "the run folder is damaged; extend or train it again");
    out.push_back(item.as_string()->get());
  }
  return out;
}

toml::array string_array(const std::vector<std::string>& values) {
  toml::array out;
  for (const auto& v : values) out.push_back(v);
  return out;
}

toml::array lineage_array(const std::vector<LineageStep>& lineage) {
  toml::array out;
  for (const auto& step : lineage)
    out.push_back(toml::table{{"parent", step.parent},
                              {"parent_run_name", step.parent_run_name},
                              {"parent_recipe_hash", step.parent_recipe_hash},
                              {"added", string_array(step.added)},
                              {"removed", string_array(step.removed)},
                              {"data", step.data},
                              {"label_field", step.label_field},
                              {"created", step.created}});
  return out;
}

std::vector<LineageStep> read_lineage(const toml::table& root, const fs::path& file) {
  std::vector<LineageStep> lineage;
  const toml::node* node = root.get("lineage");
  if (node == nullptr) return lineage;
  const toml::array* steps = node->as_array();
  if (steps == nullptr) throw ArtifactError("'lineage' is not a list of tables", file.string());
  for (const auto& item : *steps) {
    const toml::table* t = item.as_table();
    if (t == nullptr) throw ArtifactError("a lineage entry is not a table", file.string());
    LineageStep step;
    step.parent = string_at(*t, "parent", file);
    step.parent_run_name = string_at(*t, "parent_run_name", file);
    step.parent_recipe_hash = (*t)["parent_recipe_hash"].value_or<std::string>("");
    step.added = strings_at(*t, "added", file);
    step.removed = strings_at(*t, "removed", file);
    step.data = (*t)["data"].value_or<std::string>("");
    step.label_field = (*t)["label_field"].value_or<std::string>("");
    step.created = string_at(*t, "created", file);
    lineage.push_back(std::move(step));
  }
  return lineage;
}

constexpr const char* kSha256Prefix = "sha256:";

// Adds `path` (a file, or every file under a folder) to `files`, by run-relative name.
void add_artifact(const fs::path& run_dir, const fs::path& path, std::set<std::string>& files) {
  const auto add_file = [&](const fs::path& file) {
    files.insert(file.lexically_relative(run_dir).generic_string());
  };
  if (fs::is_regular_file(path)) return add_file(path);
  if (!fs::is_directory(path)) return;
  for (const auto& entry : fs::recursive_directory_iterator(path))
    if (entry.is_regular_file()) add_file(entry.path());
}

// The run-relative names of the files the loaders read: each component's artifact (a file
// or a folder), a `model` option pointing inside the run folder, head.safetensors for the
// head (RunComponents loads it whatever its path says) and state.h5.
std::set<std::string> artifact_files(const fs::path& run_dir, const RunManifest& m) {
  const RunLayout layout(run_dir);
  std::set<std::string> files;
  for (const auto& c : m.components) {
    if (!c.path.empty() && c.path != ".") add_artifact(run_dir, run_dir / c.path, files);
    if (c.role == "head") add_artifact(run_dir, layout.head(), files);
    if (const auto* model = c.options.get_as<std::string>("model")) {
      const fs::path path(model->get());
      if (path.is_relative() && path != "." && !path.empty())
        add_artifact(run_dir, run_dir / path, files);
    }
  }
  add_artifact(run_dir, layout.state(), files);
  return files;
}

toml::table checksums_table(const fs::path& run_dir, const RunManifest& m) {
  toml::table out;
  for (const auto& name : artifact_files(run_dir, m))
    out.insert(name, kSha256Prefix + sha256_file_hex(run_dir / name));
  return out;
}

std::map<std::string, std::string> read_checksums(const toml::table& root, const fs::path& file) {
  std::map<std::string, std::string> out;
  const toml::table* table = root["checksums"].as_table();
  if (table == nullptr) return out;
  for (const auto& [name, value] : *table) {
    const std::string* text = value.is_string() ? &value.as_string()->get() : nullptr;
    if (text == nullptr || text->rfind(kSha256Prefix, 0) != 0)
      throw ArtifactError("checksum of '" + std::string(name.str()) + "' is not \"sha256:<hex>\"",
                          file.string(), "the run folder is damaged; train it again");
    out[std::string(name.str())] = *text;
  }
  return out;
}

// Hashes every recorded artifact file again: a missing or changed one is never served.
void verify_checksums(const fs::path& run_dir, const RunManifest& m, bool recorded,
                      const fs::path& file) {
  if (!recorded) {
    log_warn("pipeline", file.string() +
                             " records no artifact checksums (written before rubrika recorded "
                             "them): its artifacts are loaded unverified; train the run again "
                             "to record them");
    return;
  }
  for (const auto& [name, expected] : m.checksums) {
    const fs::path path = run_dir / name;
    if (!fs::is_regular_file(path))
      throw ArtifactError("artifact file '" + name +
                              "' is missing; pipeline.toml recorded it when the run was written",
                          path.string(),
                          "the run folder is incomplete; copy all of it again or train it again");
    const std::string actual = kSha256Prefix + sha256_file_hex(path);
    if (actual != expected)
      throw ArtifactError("artifact file '" + name +
                              "' changed since the run was written (its sha256 is " + actual +
                              ", pipeline.toml records " + expected + ")",
                          path.string(),
                          "restore the file from the original run folder, or train the run to "
                          "the end again (its report stage records the checksums); a modified "
                          "artifact is never served");
  }
  log_debug("pipeline", "verified the sha256 of " + std::to_string(m.checksums.size()) +
                            " artifact files of " + run_dir.string());
}

}  // namespace

const ComponentRecord* RunManifest::find(const std::string& role) const {
  for (const auto& c : components)
    if (c.role == role) return &c;
  return nullptr;
}

toml::table options_without_type(const toml::table& table) {
  toml::table copy = table;
  copy.erase("type");
  return copy;
}

std::string content_hash(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

void write_run_manifest(const fs::path& run_dir, const RunManifest& m) {
  toml::table root{{"format_version", m.format_version},
                   {"rubrika_version", m.rubrika_version},
                   {"run_name", m.run_name},
                   {"recipe_hash", m.recipe_hash}};
  root.insert("labels", string_array(m.labels));
  root.insert("normalizer", m.normalizer);
  // An array keeps the order: the first OOD scorer is the primary one.
  toml::array components;
  for (const auto& c : m.components) {
    toml::table record{{"role", c.role},       {"kind", c.kind}, {"type", c.type},
                       {"version", c.version}, {"path", c.path}, {"state", c.state}};
    record.insert("options", c.options);
    if (!c.labels.empty()) record.insert("labels", string_array(c.labels));
    components.push_back(std::move(record));
  }
  root.insert("components", std::move(components));
  root.insert("decision", m.decision);
  if (!m.long_text.empty()) root.insert("long_text", m.long_text);
  root.insert("label_texts", m.label_texts);
  if (!m.lineage.empty()) root.insert("lineage", lineage_array(m.lineage));
  root.insert("checksums", checksums_table(run_dir, m));
  std::ostringstream text;
  text << "# written by rubrika train; serve/predict/eval rebuild the pipeline from this file\n"
       << root << "\n";
  write_file_atomically(RunLayout(run_dir).manifest(), text.str());
}

RunManifest read_run_manifest(const fs::path& run_dir) {
  if (!fs::is_directory(run_dir))
    throw ArtifactError("run folder not found", run_dir.string(),
                        "run `rubrika train RECIPE` first");
  const fs::path file = RunLayout(run_dir).manifest();
  if (!fs::exists(file))
    throw ArtifactError("run folder has no pipeline.toml (training did not finish)",
                        run_dir.string(), "run `rubrika train RECIPE` (with --resume to continue)");
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw ArtifactError(std::string("malformed pipeline.toml: ") + std::string(e.description()),
                        file.string());
  }
  RunManifest m;
  m.format_version = root["format_version"].value_or<int64_t>(0);
  if (m.format_version <= 0)
    throw ArtifactError("pipeline.toml has no format_version", file.string());
  if (m.format_version > kRunFormatVersion)
    throw ArtifactError("run folder format " + std::to_string(m.format_version) +
                            " is newer than this rubrika reads (" +
                            std::to_string(kRunFormatVersion) + ")",
                        file.string(), "upgrade rubrika");
  m.rubrika_version = root["rubrika_version"].value_or<std::string>("");
  m.run_name = string_at(root, "run_name", file);
  m.recipe_hash = root["recipe_hash"].value_or<std::string>("");
  if (const toml::array* labels = root["labels"].as_array())
    for (const auto& l : *labels)
      if (l.is_string()) m.labels.push_back(l.as_string()->get());
  if (m.labels.empty()) throw ArtifactError("pipeline.toml lists no labels", file.string());
  if (const toml::table* t = root["normalizer"].as_table()) m.normalizer = *t;
  if (const toml::table* t = root["decision"].as_table()) m.decision = *t;
  if (const toml::table* t = root["long_text"].as_table()) m.long_text = *t;
  if (const toml::table* t = root["label_texts"].as_table()) m.label_texts = *t;
  m.lineage = read_lineage(root, file);
  const toml::array* components = root["components"].as_array();
  if (components == nullptr)
    throw ArtifactError("pipeline.toml has no [[components]]", file.string());
  for (const auto& node : *components) {
    const toml::table* t = node.as_table();
    if (t == nullptr) throw ArtifactError("a component entry is not a table", file.string());
    ComponentRecord c;
    c.role = string_at(*t, "role", file);
    c.kind = string_at(*t, "kind", file);
    c.type = string_at(*t, "type", file);
    c.version = t->get("version") ? string_at(*t, "version", file) : "";
    c.path = t->get("path") ? string_at(*t, "path", file) : "";
    c.state = t->get("state") ? string_at(*t, "state", file) : "";
    if (const toml::table* o = t->get_as<toml::table>("options")) c.options = *o;
    c.labels = strings_at(*t, "labels", file);
    if (!c.path.empty() && !fs::exists(run_dir / c.path))
      throw ArtifactError("component '" + c.role + "' artifact '" + c.path + "' is missing",
                          run_dir.string(), "the run folder is incomplete; train it again");
    m.components.push_back(std::move(c));
  }
  if (!m.find("encoder") || !m.find("head"))
    throw ArtifactError("pipeline.toml needs an encoder and a head", file.string());
  m.checksums = read_checksums(root, file);
  verify_checksums(run_dir, m, root.contains("checksums"), file);
  return m;
}

std::string run_manifest_id(const fs::path& run_dir) {
  std::ifstream in(RunLayout(run_dir).manifest(), std::ios::binary);
  if (!in) throw ArtifactError("cannot read pipeline.toml", RunLayout(run_dir).manifest().string());
  std::ostringstream text;
  text << in.rdbuf();
  return content_hash(text.str());
}

}  // namespace rubrika
