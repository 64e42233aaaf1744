// The classifier's training loss, chosen by the recipe's [train] table.
//
// The loss belongs to training, not to the head plugins: a head maps encoder output to
// logits and says whether it is single-label (softmax) or multi-label (sigmoid); this file
// turns logits and targets into one number. A new loss knob is one field of LossOptions
// (read in LossOptions::read) and one use in classification_loss().
//
//   [train]
//   loss = "focal"          # "ce" (default) | "focal"
//   focal_gamma = 2.0       # only with loss = "focal"
//   label_smoothing = 0.1   # 0 = off
//   class_weights = "balanced"
#pragma once

#include <rubrika/enum_names.hpp>
#include <rubrika/head.hpp>

#include <toml++/toml.h>

namespace rubrika {

class OptionsReader;

enum class LossKind {
  cross_entropy,  // "ce": softmax cross-entropy (single-label), binary cross-entropy (multi)
  focal,          // "focal": the same with each term scaled by (1 - p)^gamma (Lin et al. 2017)
};
inline constexpr EnumName<LossKind> kLossKindNames[] = {{"ce", LossKind::cross_entropy},
                                                        {"focal", LossKind::focal}};

enum class ClassWeighting {
  none,      // every example counts the same
  balanced,  // single-label: n / (classes · count[c]); multi-label: positives' weight
             // (negatives / positives) per label
};
inline constexpr EnumName<ClassWeighting> kClassWeightingNames[] = {
    {"none", ClassWeighting::none}, {"balanced", ClassWeighting::balanced}};

struct LossOptions {
  LossKind kind = LossKind::cross_entropy;
  double label_smoothing = 0.0;  // share of the target mass spread evenly over the labels
  double focal_gamma = 2.0;      // focusing exponent; 0 gives the cross-entropy back
  ClassWeighting class_weights = ClassWeighting::none;

  // Reads the loss keys of `in` (the [train] table); a key that does not apply to the
  // chosen loss (focal_gamma without loss = "focal") is a RecipeError at its file:line:col.
  static LossOptions read(OptionsReader& in);
  // Adds the resolved keys to `out` (for recipe.toml and the resume stamp).
  void write(toml::table& out) const;
};

// Mean loss over the batch. logits [batch, labels]; targets: [batch] int64 class ids
// (single-label) or [batch, labels] 0/1 floats (multi-label); class_weights [labels] or
// undefined (see ClassWeighting).
torch::Tensor classification_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                  TaskType task, const LossOptions& options,
                                  const torch::Tensor& class_weights = {});

}  // namespace rubrika
