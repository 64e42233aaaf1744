// rubrika::extend_run: the steps of `rubrika extend` (see rubrika/train/extend_run.hpp).
#include "added_head_training.hpp"
#include "extension.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/text/normalizer.hpp>
#include <rubrika/utc_time.hpp>

#include <algorithm>
#include <chrono>

namespace rubrika {
namespace fs = std::filesystem;

namespace detail {

namespace {

constexpr const char* kSource = "extend";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The new head part's plugin and table. Multi-label: the parent head's plugin with its
// options. Single-label: a scorer with one logit per added label ("multilabel", a linear
// layer; a softmax head plugin cannot stand alone for one class) whose logits join the
// parent's in the run's softmax. Another plugin (--head) reads the parent head's vector.
toml::table added_head_table(const Extension& e, const ComponentRecord& parent_record,
                             const Head& parent_head) {
  std::string asked = e.request.options.head;
  if (asked.empty() && e.multi_label) asked = parent_record.type;
  if (asked.empty()) asked = "multilabel";
  if (asked == parent_record.type) {
    toml::table table = parent_record.options;
    table.insert_or_assign("type", parent_record.type);
    return table;
  }
  toml::table table{{"type", asked}};
  if (const auto source = parent_head.feature_source())
    table.insert("features", to_string(*source));
  return table;
}

int64_t next_extension_index(const RunManifest& parent) {
  int64_t index = 1;
  for (const auto& c : parent.components)
    if (c.kind == "head" && c.role != "head") ++index;
  return index;
}

void check_folders(const ExtendRequest& r) {
  const fs::path parent = fs::weakly_canonical(r.parent);
  const fs::path out = fs::weakly_canonical(r.out);
  if (out == parent)
    throw InputError("--out is the parent run folder", r.out.string(),
                     "the parent is never modified: choose another --out");
  if (fs::exists(out) && !r.force)
    throw IoError("the folder already exists", r.out.string(),
                  "choose another --out, or pass --force to replace it");
}

}  // namespace

std::vector<size_t> Extension::text_ids(const std::vector<const ExtendText*>& rows) {
  std::vector<size_t> ids;
  for (const ExtendText* row : rows) ids.push_back(row->text);
  return ids;
}

ForwardResult Extension::forward(const std::vector<const ExtendText*>& rows) {
  return forward_cached(*pipeline, *features, text_ids(rows));
}

// Fills parent, parent_parts, encoder, parent_heads and multi_label, and the manifest's
// encoder and head records.
void load_parent(Extension& e) {
  e.parent = read_run_manifest(e.request.parent);
  e.parent_parts =
      std::make_unique<RunComponents>(e.request.parent, e.parent, e.registry, e.device);
  const RunComponents& parts = *e.parent_parts;
  const ComponentRecord& encoder_record = *e.parent.find("encoder");
  e.encoder = parts.encoder(encoder_record);
  e.manifest.components.push_back(encoder_record);
  for (const ComponentRecord* record : parts.records("head")) {
    e.parent_heads.push_back(
        {parts.head(*record, e.encoder->hidden_size()), parts.context(*record).labels});
    e.manifest.components.push_back(*record);
    e.manifest.components.back().labels = e.parent_heads.back().labels;
  }
  e.multi_label = e.parent_heads.front().component->task() == TaskType::multi_label;
}

// Reads texts, encoder, parent_heads. Fills pipeline, head, added_head, index, added_columns
// and the manifest's added head record.
void assemble_pipeline(Extension& e) {
  std::vector<LabelledPart<Head>> heads = std::move(e.parent_heads);
  std::unique_ptr<Encoder> encoder = std::move(e.encoder);
  e.index = next_extension_index(e.parent);
  const auto& add = e.request.options.add;
  if (!add.empty()) {
    PluginContext context;
    context.device = e.device;
    context.labels = add;
    context.input_size = encoder->hidden_size();
    context.seed = e.request.options.seed;
    const toml::table table = added_head_table(e, *e.parent.find("head"), *heads.front().component);
    const std::string type = *table["type"].value<std::string>();
    heads.push_back({e.registry.create<Head>(type, context, table), add, true});
    e.added_head = heads.back().component.get();
    e.manifest.components.push_back({"head.added." + std::to_string(e.index), "head", type,
                                     e.registry.find("head", type).version,
                                     RunLayout::added_head_name(e.index), "",
                                     options_without_type(table), add});
  }
  for (const auto& label : add)
    e.added_columns.push_back(std::find(e.texts.labels.begin(), e.texts.labels.end(), label) -
                              e.texts.labels.begin());
  auto head = std::make_unique<ExtendedHead>(std::move(heads), e.texts.labels);
  e.head = head.get();
  auto normalizer = std::make_shared<Normalizer>(NormalizerOptions::from_toml(e.parent.normalizer));
  e.pipeline = std::make_unique<Pipeline>(
      [normalizer](std::string_view t) { return normalizer->normalize(t); },
      LabelSet(e.texts.labels), std::move(encoder), std::move(head));
  e.pipeline->set_long_text(LongTextOptions::from_toml(e.parent.long_text));
}

namespace {

void gather_texts(Extension& e) {
  const Normalizer normalizer(NormalizerOptions::from_toml(e.parent.normalizer));
  e.texts = gather_extend_texts(e.request, e.parent, e.multi_label,
                                [&](std::string_view t) { return normalizer.normalize(t); });
}

void start_manifest(Extension& e) {
  const ExtendRequest& r = e.request;
  e.manifest.format_version = kRunFormatVersion;
  e.manifest.rubrika_version = RUBRIKA_VERSION_STRING;
  e.manifest.run_name = fs::absolute(r.out).lexically_normal().filename().string();
  e.manifest.recipe_hash = e.parent.recipe_hash;
  e.manifest.labels = e.texts.labels;
  e.manifest.normalizer = e.parent.normalizer;
  e.manifest.long_text = e.parent.long_text;
  e.manifest.lineage = e.parent.lineage;
  e.manifest.lineage.push_back(
      {fs::absolute(r.parent).lexically_normal().string(), e.parent.run_name, e.parent.recipe_hash,
       r.options.add, r.options.remove,
       r.data.empty() ? "" : fs::absolute(r.data).lexically_normal().string(),
       r.new_data.label_field, utc_now()});
}

// Reads texts, pipeline. Fills features (and its cache file in staging).
void compute_features(Extension& e) {
  std::vector<std::string> all = e.texts.texts;
  all.insert(all.end(), e.texts.ood.begin(), e.texts.ood.end());
  const fs::path old_cache = RunLayout(e.request.out).feature_cache();
  const std::string key = run_manifest_id(e.request.parent);
  e.features = std::make_unique<FeatureTable>(
      FeatureTable::build(*e.pipeline, all, e.request.force ? old_cache : fs::path(), key));
  e.features->save(RunLayout(e.staging).feature_cache(), key);
  e.report["features"] = {{"texts", e.features->texts()},
                          {"encoded", e.features->encoded_texts()},
                          {"from_cache", e.features->reused_texts()},
                          {"seconds", e.features->encode_seconds()}};
}

void train_added(Extension& e) {
  if (e.added_head == nullptr) return;
  const WindowPool pool = LongTextOptions::from_toml(e.parent.long_text).pool;
  e.report["added_head"] = train_added_head(
      {*e.head, *e.features, e.texts, e.added_columns, pool, e.request.options, e.device});
}

}  // namespace
}  // namespace detail

nlohmann::json extend_run(const ExtendRequest& request, PluginRegistry& registry) {
  using namespace detail;
  const auto start = std::chrono::steady_clock::now();
  check_folders(request);
  Extension e{request, registry};
  e.device = resolve_device(request.device);
  std::map<std::string, double> seconds;
  auto timed = [&](const char* step, void (*fn)(Extension&)) {
    const auto t = std::chrono::steady_clock::now();
    fn(e);
    seconds[step] = seconds_since(t);
  };
  timed("load", load_parent);
  timed("texts", gather_texts);
  e.report["counts"] = e.texts.counts;
  e.folder = std::make_unique<AtomicDirectory>(request.out);  // deleted unless published
  e.staging = e.folder->path();
  start_manifest(e);
  timed("assemble", assemble_pipeline);
  timed("features", compute_features);
  timed("train", train_added);
  timed("calibrate", refit_calibrator);
  timed("thresholds", refit_thresholds);
  timed("ood", refit_ood);
  timed("evaluate", evaluate_extension);
  timed("write", write_extension);
  timed("check", check_against_parent);
  e.report["step_seconds"] = seconds;
  e.report["seconds"] = seconds_since(start);
  publish_extension(e);
  log_info(kSource, "extended " + request.parent.string() + " into " + request.out.string() +
                        " in " + std::to_string(seconds_since(start)) + " s");
  return e.report;
}

}  // namespace rubrika
