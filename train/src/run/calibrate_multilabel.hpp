// The calibrate stage's multi-label path: a calibrator for sigmoid heads (e.g. per_label)
// fitted on the validation logits against 0/1 label rows, with each label's calibration
// (ECE, NLL, Brier) on the test split before and after (metrics.json "calibration").
#pragma once

#include "stage_run.hpp"

#include <string>

namespace rubrika::detail {

// What a calibrator was fitted on stays in state.h5 for analysis (reliability plots,
// threshold studies) without re-running the model: validation logits and labels.
inline constexpr const char* kValidationAnalysisGroup = "analysis/validation";

// Fits `calibrator` on the validation split and writes the stage's metrics.
void fit_multilabel_calibrator(StageRun& s, Calibrator& calibrator, const std::string& type);

}  // namespace rubrika::detail
