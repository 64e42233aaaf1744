// ExtendedHead and ExtendedCalibrator: the head and calibrator of a run that `rubrika extend`
// changed — the parent's parts, frozen, beside parts trained for the added labels, with the
// columns of removed labels left out.
//
//   parent head  [политика экономика культура]  ─┐
//   added head   [технологии спорт]              ─┴─► gather by name ─► [политика … спорт]
//
// Every part is an ordinary plugin (a Head, a Calibrator) that knows its own columns' labels.
// forward() runs each head part on the same encoder output and gathers the run's labels by
// name, so an old label's logit is the parent head's own computation on the same features:
// the parent's weights are never rewritten, and its answers cannot drift. A single-label run
// applies softmax to the gathered logits: the added rows compete with the old ones.
//
// The calibrator parts are per-label calibrators (multi-label runs), so each part calibrates
// its own columns alone; a removed label's column is fed to its part as 0 and dropped after.
#pragma once

#include <rubrika/calibrator.hpp>
#include <rubrika/head.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rubrika {

// A head or calibrator with the labels of its columns. Only `trainable` parts take part in
// training (named_parameters) or fitting; the others stay as loaded.
template <class Component>
struct LabelledPart {
  std::unique_ptr<Component> component;
  std::vector<std::string> labels;
  bool trainable = false;
};

class ExtendedHead : public Head {
 public:
  // `labels`: the run's labels in output order, each found in exactly one part. The first
  // part's task is the head's task. Throws ArtifactError naming the label otherwise, or when
  // a part's num_labels() differs from its label count.
  ExtendedHead(std::vector<LabelledPart<Head>> parts, std::vector<std::string> labels);

  torch::Tensor forward(const EncoderOutput& encoded) override;
  torch::Tensor probabilities(const torch::Tensor& logits) const override;
  // The parts' common feature source, or nullopt when they read different vectors.
  std::optional<FeatureSource> feature_source() const override;
  TaskType task() const override;
  int64_t num_labels() const override { return static_cast<int64_t>(labels_.size()); }
  // Each part keeps its own file (head.safetensors, heads/added-<n>.safetensors), so an
  // extended head as a whole is never written: this throws Error saying so.
  void save(const std::filesystem::path& file) const override;
  // The trainable parts' parameters, prefixed "part<i>.".
  NamedParameters named_parameters() override;
  void set_training(bool training) override;
  void to(const torch::Device& device) override;

  const std::vector<LabelledPart<Head>>& parts() const { return parts_; }

 private:
  std::vector<LabelledPart<Head>> parts_;
  std::vector<std::string> labels_;
  torch::Tensor gather_;  // [labels] int64: the column of each label in the parts' concatenation
};

class ExtendedCalibrator : public Calibrator {
 public:
  // Same rules as ExtendedHead: `labels` are the run's, each in exactly one part.
  ExtendedCalibrator(std::vector<LabelledPart<Calibrator>> parts, std::vector<std::string> labels);

  // Fits the trainable parts, each on its own columns of `logits` and of the [n, labels]
  // 0/1 `labels`; figures are prefixed "part<i>.". Single-label labels are an InputError.
  std::map<std::string, double> fit(const torch::Tensor& logits,
                                    const torch::Tensor& labels) override;
  torch::Tensor probabilities(const torch::Tensor& logits) const override;
  // Every part's state, keys prefixed "part<i>/"; load_state() splits them again.
  TensorMap state() const override;
  void load_state(const TensorMap& state) override;

  const std::vector<LabelledPart<Calibrator>>& parts() const { return parts_; }

 private:
  // logits [n, run labels] → [n, part labels], a removed label's column 0.
  torch::Tensor part_columns(const torch::Tensor& logits, size_t part) const;

  std::vector<LabelledPart<Calibrator>> parts_;
  std::vector<std::string> labels_;
};

}  // namespace rubrika
