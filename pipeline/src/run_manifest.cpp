#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/run_manifest.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
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
