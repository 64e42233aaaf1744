// Writing the extended run folder: the parent's artifacts (hard-linked, they never change),
// the added head, state.h5, pipeline.toml; a check that the written folder answers the old
// labels as the parent does; then metrics.json, report.html and the rename into place.
#include "extension.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/report/html_report.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/state/state_file.hpp>
#include <rubrika/utc_time.hpp>

#include <ATen/ATen.h>

#include <algorithm>

namespace rubrika::detail {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "extend";

// A hard link per file where the file system allows it, else a copy. Safe because rubrika
// never rewrites an artifact in place (every writer renames a new file over the old one), so
// the parent's files cannot change through the child's links.
void link_or_copy(const fs::path& from, const fs::path& to) {
  if (fs::is_directory(from)) {
    fs::create_directories(to);
    for (const auto& entry : fs::directory_iterator(from))
      link_or_copy(entry.path(), to / entry.path().filename());
    return;
  }
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

// The reranker stays only where its candidates are still the run's classes: a single-label
// run that lost classes but gained none (it has no descriptions of added labels to score).
bool keeps_reranker(const Extension& e) {
  return e.parent.find("reranker") != nullptr && !e.texts.multi_label &&
         e.request.options.add.empty();
}

void copy_parent_artifacts(Extension& e) {
  const RunLayout parent(e.request.parent);
  const RunLayout out(e.staging);
  link_or_copy(parent.encoder(), out.encoder());
  link_or_copy(parent.head(), out.head());
  if (fs::exists(parent.added_head(1)))
    link_or_copy(parent.added_head(1).parent_path(), out.added_head(1).parent_path());
  if (fs::exists(parent.vocab())) link_or_copy(parent.vocab(), out.vocab());
  if (fs::exists(parent.recipe())) link_or_copy(parent.recipe(), out.recipe());
  if (keeps_reranker(e)) {
    link_or_copy(parent.reranker(), out.reranker());
    e.manifest.components.push_back(*e.parent.find("reranker"));
  } else if (e.parent.find("reranker") != nullptr) {
    e.manifest.decision.insert_or_assign("rerank_tau", 0.0);
    e.report["reranker"] = {{"kept", false},
                            {"reason", "the added labels have no descriptions for it to score"}};
  }
}

void write_state(const Extension& e) {
  state::StateWriter writer(RunLayout(e.staging).state());
  writer.write_strings("labels", e.texts.labels);
  writer.set_int_attribute("/", "format_version", kRunFormatVersion);
  for (const auto& [group, map] : e.state_groups)
    if (!map.empty()) writer.write_tensor_map(group, map);
  writer.commit();
}

}  // namespace

// Reads parent, manifest, state_groups, added_head. Fills the staging folder (all but
// metrics.json and report.html).
void write_extension(Extension& e) {
  e.manifest.decision = e.parent.decision;
  e.manifest.label_texts = e.parent.label_texts;
  for (const auto& label : e.request.options.remove) e.manifest.label_texts.erase(label);
  copy_parent_artifacts(e);
  if (e.added_head != nullptr) e.added_head->save(RunLayout(e.staging).added_head(e.index));
  write_state(e);
  write_run_manifest(e.staging, e.manifest);
}

namespace {

double max_abs_difference(const at::Tensor& a, const at::Tensor& b) {
  if (a.numel() == 0) return 0.0;
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// Columns of `labels` (the names of `of`) in `in`; both lists hold every name.
at::Tensor columns(const std::vector<std::string>& names, const std::vector<std::string>& in) {
  std::vector<int64_t> out;
  for (const auto& name : names) out.push_back(std::find(in.begin(), in.end(), name) - in.begin());
  return at::tensor(out, at::kLong);
}

}  // namespace

// Loads the written folder as serve will and the parent, runs both on the parent's test texts
// and records how far the old labels moved (multi-label: nothing, bit for bit) and how far
// the served answers are from the cached-feature ones the extension was fitted on.
void check_against_parent(Extension& e) {
  std::vector<const ExtendText*> rows;
  for (const ExtendText* row : e.texts.split(SplitPart::test))
    if (row->from_parent && rows.size() < 128) rows.push_back(row);
  if (rows.empty()) return;
  std::vector<std::string> texts;
  for (const ExtendText* row : rows) texts.push_back(e.texts.texts[row->text]);
  auto child = Pipeline::load(e.staging, e.registry, e.request.device);
  auto parent = Pipeline::load(e.request.parent, e.registry, e.request.device);
  const ForwardResult now = child->forward_all(texts, 32);
  const ForwardResult before = parent->forward_all(texts, 32);
  std::vector<std::string> old;
  for (const auto& label : e.texts.labels)
    if (std::find(e.parent.labels.begin(), e.parent.labels.end(), label) != e.parent.labels.end())
      old.push_back(label);
  const at::Tensor in_child = columns(old, e.texts.labels);
  const at::Tensor in_parent = columns(old, e.parent.labels);
  nlohmann::json check = {{"texts", texts.size()},
                          {"old_logits_max_abs_difference",
                           max_abs_difference(now.logits.index_select(1, in_child),
                                              before.logits.index_select(1, in_parent))},
                          {"cached_features_max_abs_difference",
                           max_abs_difference(now.probabilities, e.forward(rows).probabilities)}};
  if (e.texts.multi_label) {
    const at::Tensor p_now = now.probabilities.index_select(1, in_child);
    const at::Tensor p_before = before.probabilities.index_select(1, in_parent);
    check["old_probabilities_max_abs_difference"] = max_abs_difference(p_now, p_before);
    const at::Tensor t_now =
        at::tensor(child->label_thresholds(), at::kDouble).index_select(0, in_child);
    const at::Tensor t_before =
        at::tensor(parent->label_thresholds(), at::kDouble).index_select(0, in_parent);
    const at::Tensor on_now = p_now.to(at::kDouble).ge(t_now);
    const at::Tensor on_before = p_before.to(at::kDouble).ge(t_before);
    check["old_decisions_agreement"] = on_now.eq(on_before).to(at::kDouble).mean().item<double>();
  } else {
    const at::Tensor top_now = now.logits.index_select(1, in_child).argmax(1);
    const at::Tensor top_before = before.logits.index_select(1, in_parent).argmax(1);
    check["old_top1_agreement"] = top_now.eq(top_before).to(at::kDouble).mean().item<double>();
  }
  if (check["old_logits_max_abs_difference"].get<double>() != 0.0)
    log_warn(kSource, "the old labels' logits moved by up to " +
                          std::to_string(check["old_logits_max_abs_difference"].get<double>()));
  e.report["check"] = check;
}

namespace {

nlohmann::json lineage_json(const std::vector<LineageStep>& lineage) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& step : lineage)
    out.push_back({{"parent", step.parent},
                   {"parent_run_name", step.parent_run_name},
                   {"added", step.added},
                   {"removed", step.removed},
                   {"data", step.data},
                   {"label_field", step.label_field},
                   {"created", step.created}});
  return out;
}

// The OOD figures in the shape of a trained run's "ood" section.
nlohmann::json ood_section(const Extension& e) {
  nlohmann::json scorers = nlohmann::json::object();
  std::string primary;
  for (const auto& [name, figures] : e.report.value("ood", nlohmann::json::object()).items()) {
    if (primary.empty()) primary = name;
    scorers[name] = figures;
  }
  return {{"primary", primary}, {"scorers", scorers}};
}

}  // namespace

void publish_extension(Extension& e) {
  nlohmann::json metrics = e.metrics;
  metrics["format_version"] = 1;
  metrics["run"] = {{"name", e.manifest.run_name},
                    {"parent", e.manifest.lineage.back().parent},
                    {"device", e.device.str()},
                    {"finished", utc_now()},
                    {"rubrika_version", RUBRIKA_VERSION_STRING}};
  metrics["timings_s"] = e.report["step_seconds"];
  metrics["lineage"] = lineage_json(e.manifest.lineage);
  metrics["extend"] = e.report;
  if (e.report.contains("ood")) metrics["ood"] = ood_section(e);
  metrics["serving"] = {{"command", "rubrika serve " + e.request.out.string()},
                        {"url", "http://127.0.0.1:8080/v1/classify"}};
  const auto test = e.texts.split(SplitPart::test);
  if (!test.empty()) metrics["serving"]["example"] = e.texts.texts[test.front()->text];
  const RunLayout out(e.staging);
  write_file_atomically(out.metrics(), metrics.dump(2) + "\n");
  write_html_report(out.metrics(), out.report());
  e.folder->commit();
  log_info(kSource, "wrote " + e.request.out.string());
}

}  // namespace rubrika::detail
