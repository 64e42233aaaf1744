#include <rubrika/error.hpp>
#include <rubrika/extended_head.hpp>

#include <ATen/ATen.h>

#include <map>

namespace rubrika {

namespace {

constexpr const char* kWhere = "pipeline.toml";

// For each of `labels`, its (part, column) among the parts' labels. ArtifactError when a
// label is in no part or in two.
template <class Component>
std::vector<std::pair<size_t, int64_t>> locate_labels(
    const std::vector<LabelledPart<Component>>& parts, const std::vector<std::string>& labels) {
  std::map<std::string, std::pair<size_t, int64_t>> where;
  for (size_t p = 0; p < parts.size(); ++p)
    for (size_t c = 0; c < parts[p].labels.size(); ++c)
      if (!where.emplace(parts[p].labels[c], std::make_pair(p, static_cast<int64_t>(c))).second)
        throw ArtifactError("label '" + parts[p].labels[c] + "' is in two head parts", kWhere,
                            "the run folder is inconsistent; extend the parent run again");
  std::vector<std::pair<size_t, int64_t>> located;
  for (const auto& label : labels) {
    const auto found = where.find(label);
    if (found == where.end())
      throw ArtifactError("label '" + label + "' is in no head part", kWhere,
                          "the run folder is inconsistent; extend the parent run again");
    located.push_back(found->second);
  }
  return located;
}

std::string part_prefix(size_t part) { return "part" + std::to_string(part); }

}  // namespace

ExtendedHead::ExtendedHead(std::vector<LabelledPart<Head>> parts, std::vector<std::string> labels)
    : parts_(std::move(parts)), labels_(std::move(labels)) {
  if (parts_.empty()) throw ArtifactError("an extended head needs at least one part", kWhere);
  std::vector<int64_t> offsets;
  int64_t width = 0;
  for (const auto& part : parts_) {
    if (part.component->num_labels() != static_cast<int64_t>(part.labels.size()))
      throw ArtifactError("a head part has " + std::to_string(part.component->num_labels()) +
                              " outputs but " + std::to_string(part.labels.size()) + " labels",
                          kWhere, "the run folder is inconsistent; extend the parent run again");
    offsets.push_back(width);
    width += part.component->num_labels();
  }
  std::vector<int64_t> gather;
  for (const auto& [part, column] : locate_labels(parts_, labels_))
    gather.push_back(offsets[part] + column);
  gather_ = at::tensor(gather, at::kLong);
}

torch::Tensor ExtendedHead::forward(const EncoderOutput& encoded) {
  std::vector<at::Tensor> logits;
  for (auto& part : parts_) logits.push_back(part.component->forward(encoded));
  const at::Tensor all = logits.size() == 1 ? logits.front() : at::cat(logits, 1);
  return all.index_select(1, gather_.to(all.device()));
}

torch::Tensor ExtendedHead::probabilities(const torch::Tensor& logits) const {
  return task() == TaskType::single_label ? logits.softmax(-1) : logits.sigmoid();
}

std::optional<FeatureSource> ExtendedHead::feature_source() const {
  const std::optional<FeatureSource> first = parts_.front().component->feature_source();
  for (const auto& part : parts_)
    if (part.component->feature_source() != first) return std::nullopt;
  return first;
}

TaskType ExtendedHead::task() const { return parts_.front().component->task(); }

void ExtendedHead::save(const std::filesystem::path& file) const {
  throw Error("an extended head is kept as one file per part, not as one file", file.string(),
              "save each part's head (ExtendedHead::parts())");
}

NamedParameters ExtendedHead::named_parameters() {
  NamedParameters out;
  for (size_t p = 0; p < parts_.size(); ++p) {
    if (!parts_[p].trainable) continue;
    for (auto& [name, tensor] : parts_[p].component->named_parameters())
      out.emplace_back(part_prefix(p) + "." + name, tensor);
  }
  return out;
}

void ExtendedHead::set_training(bool training) {
  for (auto& part : parts_) part.component->set_training(training && part.trainable);
}

void ExtendedHead::to(const torch::Device& device) {
  for (auto& part : parts_) part.component->to(device);
}

ExtendedCalibrator::ExtendedCalibrator(std::vector<LabelledPart<Calibrator>> parts,
                                       std::vector<std::string> labels)
    : parts_(std::move(parts)), labels_(std::move(labels)) {
  if (parts_.empty()) throw ArtifactError("an extended calibrator needs at least one part", kWhere);
  locate_labels(parts_, labels_);  // every label in exactly one part
}

torch::Tensor ExtendedCalibrator::part_columns(const torch::Tensor& logits, size_t part) const {
  const auto& part_labels = parts_[part].labels;
  at::Tensor out =
      at::zeros({logits.size(0), static_cast<int64_t>(part_labels.size())}, logits.options());
  for (size_t c = 0; c < part_labels.size(); ++c)
    for (size_t l = 0; l < labels_.size(); ++l)
      if (labels_[l] == part_labels[c])
        out.select(1, static_cast<int64_t>(c)).copy_(logits.select(1, static_cast<int64_t>(l)));
  return out;
}

std::map<std::string, double> ExtendedCalibrator::fit(const torch::Tensor& logits,
                                                      const torch::Tensor& labels) {
  if (labels.dim() != 2)
    throw InputError("an extended calibrator calibrates multi-label heads only", "calibrator",
                     "refit a single-label run's calibrator as a whole");
  std::map<std::string, double> figures;
  for (size_t p = 0; p < parts_.size(); ++p) {
    if (!parts_[p].trainable) continue;
    const auto fitted = parts_[p].component->fit(part_columns(logits, p), part_columns(labels, p));
    for (const auto& [name, value] : fitted) figures[part_prefix(p) + "." + name] = value;
  }
  return figures;
}

torch::Tensor ExtendedCalibrator::probabilities(const torch::Tensor& logits) const {
  std::vector<at::Tensor> out(labels_.size());
  for (size_t p = 0; p < parts_.size(); ++p) {
    const at::Tensor calibrated = parts_[p].component->probabilities(part_columns(logits, p));
    for (size_t c = 0; c < parts_[p].labels.size(); ++c)
      for (size_t l = 0; l < labels_.size(); ++l)
        if (labels_[l] == parts_[p].labels[c])
          out[l] = calibrated.select(1, static_cast<int64_t>(c));
  }
  return at::stack(out, 1);
}

TensorMap ExtendedCalibrator::state() const {
  TensorMap out;
  for (size_t p = 0; p < parts_.size(); ++p)
    for (const auto& [key, tensor] : parts_[p].component->state())
      out[part_prefix(p) + "/" + key] = tensor;
  return out;
}

void ExtendedCalibrator::load_state(const TensorMap& state) {
  for (size_t p = 0; p < parts_.size(); ++p) {
    const std::string prefix = part_prefix(p) + "/";
    TensorMap part;
    for (const auto& [key, tensor] : state)
      if (key.rfind(prefix, 0) == 0) part[key.substr(prefix.size())] = tensor;
    parts_[p].component->load_state(part);
  }
}

}  // namespace rubrika
