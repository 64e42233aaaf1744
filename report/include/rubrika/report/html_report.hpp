// report.html: one self-contained page (inline CSS and SVG, no scripts, no network) that
// shows a run's metrics.json (schema: docs/metrics_schema.md): summary and stage times,
// training curves, per-class table, confusion heatmap, reliability diagrams, OOD score
// histograms with thresholds, reranker lift and cascade, baseline, serving hints. A
// multi-label run adds its decisions (tuned thresholds vs 0.5, per label the ROC curve, the
// probability histograms of texts with and without the label with the threshold, the 2×2
// counts), label co-occurrence (true / predicted), per-label calibration and the one-vs-rest
// baseline per label. Sections whose stage did not run say so.
#pragma once

#include <filesystem>
#include <string>

namespace rubrika {

// The page for `metrics_json_text`. Throws InputError when it is not a JSON object.
std::string render_html_report(const std::string& metrics_json_text);

// Reads `metrics_json`, writes `out_html` atomically.
void write_html_report(const std::filesystem::path& metrics_json,
                       const std::filesystem::path& out_html);

}  // namespace rubrika
