#include "extend_texts.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace rubrika::detail {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "extend";

// One example while the sources are merged: labels by name, known ones only.
struct Draft {
  std::string text;
  std::optional<SplitPart> split;  // nullopt: a text only a labelled file has, split later
  bool from_parent = false;
  bool listed = false;                // the new file has it
  std::map<std::string, bool> known;  // multi-label
  std::string label;                  // single-label ("" once its class is removed)
};

// A labelled file of an extension and the labels it was read for.
struct Overlay {
  fs::path file;
  std::string label_field;
  std::vector<std::string> added;
};

class Merger {
 public:
  explicit Merger(bool multi_label) : multi_label_(multi_label) {}

  void add_parent_split(DataSplit&& split, SplitPart part, const LabelSet& labels) {
    for (size_t i = 0; i < split.size(); ++i) {
      Draft d{std::move(split.texts[i]), part, true, false, {}, {}};
      if (multi_label_) {
        for (int64_t j = 0; j < labels.size(); ++j)
          d.known[labels.name(j)] = split.multi_hot[i][static_cast<size_t>(j)] > 0.5f;
      } else {
        d.label = labels.name(split.labels[i]);
      }
      add(std::move(d));
    }
  }

  // The file's texts decide the overlay's added labels wherever they appear; its other
  // labels must be ones the run has (`allowed`) or are being removed (`ignored`).
  void apply(const TextFile& file, const Overlay& overlay, const std::set<std::string>& allowed,
             const std::set<std::string>& ignored, bool mark_listed) {
    const std::set<std::string> added(overlay.added.begin(), overlay.added.end());
    for (size_t i = 0; i < file.texts.size(); ++i) {
      const std::vector<std::string> named =
          multi_label_ ? file.label_sets[i] : std::vector<std::string>{file.labels[i]};
      for (const auto& label : named)
        if (!allowed.count(label) && !ignored.count(label))
          throw InputError("label '" + label + "' is not one of the run's labels", file.origins[i],
                           "add it with --add-labels, or fix the file");
      auto found = by_text_.find(file.texts[i]);
      if (found == by_text_.end()) {
        Draft d{file.texts[i], std::nullopt, false, false, {}, {}};
        found = by_text_.emplace(d.text, std::vector<size_t>{}).first;
        found->second.push_back(rows_.size());
        rows_.push_back(std::move(d));
      }
      for (size_t row : found->second) {
        set_labels(rows_[row], named, added, ignored);
        rows_[row].listed = mark_listed;
      }
    }
  }

  // ParentData::use: the parent's texts that no file spoke for are negatives of `label`.
  void parent_negatives(const std::string& label) {
    for (auto& d : rows_)
      if (d.from_parent && !d.known.count(label)) d.known[label] = false;
  }

  void remove(const std::string& label) {
    for (auto& d : rows_) {
      d.known.erase(label);
      if (d.label == label) d.label.clear();
    }
  }

  std::vector<Draft>& rows() { return rows_; }

 private:
  void add(Draft&& d) {
    by_text_[d.text].push_back(rows_.size());
    rows_.push_back(std::move(d));
  }

  void set_labels(Draft& d, const std::vector<std::string>& named,
                  const std::set<std::string>& added, const std::set<std::string>& ignored) {
    if (!multi_label_) {
      if (!ignored.count(named.front())) d.label = named.front();
      return;
    }
    for (const auto& label : added)
      d.known[label] = std::find(named.begin(), named.end(), label) != named.end();
    // A text only the file has: the old labels it names are known to be on.
    if (!d.from_parent)
      for (const auto& label : named)
        if (!added.count(label) && !ignored.count(label)) d.known[label] = true;
  }

  bool multi_label_;
  std::vector<Draft> rows_;
  std::unordered_map<std::string, std::vector<size_t>> by_text_;
};

void check_request(const ExtendRequest& r, const std::vector<std::string>& parent_labels) {
  const auto& o = r.options;
  if (o.add.empty() && o.remove.empty())
    throw InputError("nothing to do: no label to add or remove", "rubrika extend",
                     "pass --add-labels a,b and/or --remove-labels c");
  const std::set<std::string> parent(parent_labels.begin(), parent_labels.end());
  std::set<std::string> seen;
  for (const auto& label : o.add) {
    if (parent.count(label))
      throw InputError("label '" + label + "' is already one of the run's labels", "--add-labels");
    if (!seen.insert(label).second)
      throw InputError("label '" + label + "' is given twice", "--add-labels");
  }
  for (const auto& label : o.remove)
    if (!parent.count(label))
      throw InputError("label '" + label + "' is not one of the run's labels", "--remove-labels",
                       "the run's labels are listed by `rubrika predict RUN --info`");
  if (o.remove.size() >= parent.size() && o.add.empty())
    throw InputError("removing every label leaves nothing to classify", "--remove-labels");
  if (!o.add.empty() && r.data.empty())
    throw InputError("added labels need labelled texts", "rubrika extend",
                     "pass --data FILE with texts of the added labels");
}

TextFile read_overlay(const ExtendRequest& r, const Overlay& overlay,
                      const TextNormalizer& normalize) {
  DatasetOptions options = r.new_data;
  if (!overlay.label_field.empty()) {
    options.label_field = overlay.label_field;
    options.label_columns.clear();  // the field, not the parent's 0/1 columns
  }
  TextFile file = read_text_file(overlay.file, options, normalize, true);
  if (!file.has_labels)
    throw InputError("the file has no label field '" + options.label_field + "'",
                     overlay.file.string(), "pass --label-field NAME");
  return file;
}

std::string stratum(const Draft& d, bool multi_label) {
  if (!multi_label) return d.label;
  std::string key;
  for (const auto& [label, on] : d.known)
    if (on) key += label + "|";
  return key;
}

// Texts only a labelled file has: split with the parent's fractions and seed.
void split_new_texts(std::vector<Draft>& rows, const DatasetOptions& options, bool multi_label) {
  std::vector<size_t> unsplit;
  std::vector<std::string> strata;
  for (size_t i = 0; i < rows.size(); ++i)
    if (!rows[i].split) {
      unsplit.push_back(i);
      strata.push_back(stratum(rows[i], multi_label));
    }
  if (unsplit.empty()) return;
  const SplitIndices parts = stratified_split(strata, options.split, options.seed);
  for (size_t i : parts.train) rows[unsplit[i]].split = SplitPart::train;
  for (size_t i : parts.validation) rows[unsplit[i]].split = SplitPart::validation;
  for (size_t i : parts.test) rows[unsplit[i]].split = SplitPart::test;
}

}  // namespace

std::vector<const ExtendText*> ExtendTexts::split(SplitPart part) const {
  std::vector<const ExtendText*> out;
  for (const auto& row : rows)
    if (row.split == part) out.push_back(&row);
  return out;
}

namespace {

using LabelNames = std::set<std::string>;

// The parent's data as it was when the parent was made: its recipe's splits, then the
// labelled files of its own extensions (its lineage), in order.
LabelNames replay_parent(Merger& merger, const ExtendRequest& r, const RunManifest& parent,
                         const TextNormalizer& normalize, LabelNames& removed_ever,
                         std::vector<std::string>& ood) {
  Dataset data = load_dataset(r.parent_data, normalize);
  ood = std::move(data.ood_texts);
  merger.add_parent_split(std::move(data.train), SplitPart::train, data.labels);
  merger.add_parent_split(std::move(data.validation), SplitPart::validation, data.labels);
  merger.add_parent_split(std::move(data.test), SplitPart::test, data.labels);
  LabelNames labels(data.labels.names().begin(), data.labels.names().end());
  for (const auto& step : parent.lineage) {
    removed_ever.insert(step.removed.begin(), step.removed.end());
    LabelNames allowed = labels;
    allowed.insert(step.added.begin(), step.added.end());
    if (!step.added.empty()) {
      const Overlay overlay{step.data, step.label_field, step.added};
      merger.apply(read_overlay(r, overlay, normalize), overlay, allowed, removed_ever, false);
      for (const auto& label : step.added) merger.parent_negatives(label);
    }
    for (const auto& label : step.removed) merger.remove(label);
    labels = allowed;
    for (const auto& label : step.removed) labels.erase(label);
  }
  const LabelNames expected(parent.labels.begin(), parent.labels.end());
  if (labels != expected)
    throw ArtifactError("the parent's data and lineage do not give its labels", r.parent.string(),
                        "check that its data files are unchanged");
  return labels;
}

void count_positives(const std::vector<Draft>& rows, const std::string& label, const fs::path& file,
                     bool multi_label) {
  const bool any = std::any_of(rows.begin(), rows.end(), [&](const Draft& d) {
    if (!multi_label) return d.label == label;
    const auto found = d.known.find(label);
    return found != d.known.end() && found->second;
  });
  if (!any)
    throw InputError("added label '" + label + "' has no text", file.string(),
                     "label some texts with it, or check --label-field");
}

nlohmann::json counts_json(const ExtendTexts& t) {
  nlohmann::json out = nlohmann::json::object();
  const char* names[] = {"train", "validation", "test"};
  for (int p = 0; p < 3; ++p) {
    const auto rows = t.split(static_cast<SplitPart>(p));
    nlohmann::json per_label = nlohmann::json::object();
    for (size_t j = 0; j < t.labels.size(); ++j) {
      int64_t positives = 0, known = 0;
      for (const ExtendText* row : rows) {
        const bool on =
            t.multi_label ? row->truth[j] > 0.5f : row->label == static_cast<int64_t>(j);
        positives += on;
        known += t.multi_label ? static_cast<int64_t>(row->known[j]) : 1;
      }
      per_label[t.labels[j]] = {{"positives", positives}, {"known", known}};
    }
    out[names[p]] = {{"n", rows.size()}, {"labels", per_label}};
  }
  out["texts"] = t.texts.size();
  return out;
}

ExtendTexts finish(std::vector<Draft>& drafts, std::vector<std::string> labels, bool multi_label,
                   bool replay_unlisted) {
  ExtendTexts out;
  out.labels = std::move(labels);
  out.multi_label = multi_label;
  std::unordered_map<std::string, size_t> text_index;
  for (auto& d : drafts) {
    ExtendText row;
    row.split = *d.split;
    row.from_parent = d.from_parent;
    if (multi_label) {
      for (const auto& label : out.labels) {
        const auto found = d.known.find(label);
        row.known.push_back(found != d.known.end());
        row.truth.push_back(found != d.known.end() && found->second ? 1.0f : 0.0f);
      }
    } else {
      const auto found = std::find(out.labels.begin(), out.labels.end(), d.label);
      if (found == out.labels.end()) continue;  // its class was removed
      // ParentData::ignore: parent texts the new file does not list stay out of training.
      if (!replay_unlisted && d.from_parent && !d.listed && row.split == SplitPart::train) continue;
      row.label = found - out.labels.begin();
    }
    const auto [it, fresh] = text_index.emplace(d.text, out.texts.size());
    if (fresh) out.texts.push_back(std::move(d.text));
    row.text = it->second;
    out.rows.push_back(std::move(row));
  }
  out.counts = counts_json(out);
  return out;
}

}  // namespace

ExtendTexts gather_extend_texts(const ExtendRequest& r, const RunManifest& parent, bool multi_label,
                                const TextNormalizer& normalize) {
  check_request(r, parent.labels);
  Merger merger(multi_label);
  LabelNames removed_ever;
  std::vector<std::string> ood;
  LabelNames allowed = replay_parent(merger, r, parent, normalize, removed_ever, ood);
  allowed.insert(r.options.add.begin(), r.options.add.end());
  LabelNames ignored = removed_ever;
  ignored.insert(r.options.remove.begin(), r.options.remove.end());
  if (!r.data.empty()) {
    const Overlay overlay{r.data, "", r.options.add};
    const TextFile file = read_overlay(r, overlay, normalize);
    merger.apply(file, overlay, allowed, ignored, true);
    log_info(kSource, "read " + std::to_string(file.texts.size()) + " labelled texts from " +
                          r.data.string());
  }
  const bool use_parent = r.options.parent_data == ParentData::use;
  for (const auto& label : r.options.add) {
    if (use_parent && multi_label) merger.parent_negatives(label);
    count_positives(merger.rows(), label, r.data, multi_label);
  }
  for (const auto& label : r.options.remove) merger.remove(label);
  split_new_texts(merger.rows(), r.parent_data, multi_label);
  std::vector<std::string> labels;
  for (const auto& label : parent.labels)
    if (!ignored.count(label)) labels.push_back(label);
  labels.insert(labels.end(), r.options.add.begin(), r.options.add.end());
  ExtendTexts out = finish(merger.rows(), std::move(labels), multi_label, use_parent);
  out.ood = std::move(ood);  // the parent's OOD texts, for the refitted scorers' figures
  return out;
}

}  // namespace rubrika::detail
