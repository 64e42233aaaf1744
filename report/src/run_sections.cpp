// Headline numbers, run summary, baseline comparison and serving hints.
#include "sections.hpp"

#include "svg.hpp"

#include <algorithm>
#include <sstream>

namespace rubrika::report {

using nlohmann::json;

namespace {

std::string card(const std::string& title, const std::string& value, const std::string& note = {}) {
  return "<div class='card'><div class='card-title'>" + escape(title) +
         "</div><div class='card-value'>" + value + "</div><div class='card-note'>" + note +
         "</div></div>";
}

}  // namespace

std::string headline_section(const json& m) {
  const json& test = child(child(m, "classifier"), "test");
  const json& calibration = child(m, "calibration");
  const json& ood = child(m, "ood");
  const json& cascade = child(child(m, "reranker"), "cascade");
  const json& baseline = child(m, "baseline");
  // Multi-label runs: the figures at the tuned thresholds, and the calibration's mean ECE.
  const json& tuned = child(child(child(m, "multilabel"), "test"), "tuned");
  std::ostringstream s;
  s << "<div class='cards'>";
  if (tuned.is_object())
    s << card("test micro-F1", cell(tuned, "micro_f1"), "at the tuned thresholds")
      << card("test macro-F1", cell(tuned, "macro_f1"), "at the tuned thresholds");
  else
    s << card("test accuracy", cell(test, "accuracy"))
      << card("test macro-F1", cell(test, "macro_f1"));
  s << card("ECE",
            cell(child(calibration, "before"), "ece", 3) + " → " +
                cell(child(calibration, "after"), "ece", 3),
            says_multi_label(calibration) ? "mean over labels, before → after calibration"
                                          : "before → after temperature");
  const std::string primary = text_at(ood, "primary", "");
  s << card("OOD AUROC", cell(child(child(ood, "scorers"), primary.c_str()), "auroc"),
            escape(primary))
    << card("reranked", cell(cascade, "trigger_rate", 3), "share of texts (cascade trigger rate)")
    << card("baseline macro-F1", cell(baseline, "macro_f1"), escape(text_at(baseline, "name", "")))
    << "</div>";
  return s.str();
}

std::string summary_section(const json& m) {
  const json& run = child(m, "run");
  auto text = [&](const char* key) { return escape(text_at(run, key)); };
  std::ostringstream s;
  s << "<div class='grid'><table><tr><th>run</th><td>" << text("name")
    << "</td></tr><tr><th>recipe</th><td>" << text("recipe") << "</td></tr><tr><th>device</th><td>"
    << text("device") << "</td></tr><tr><th>started</th><td>" << text("started")
    << "</td></tr><tr><th>finished</th><td>" << text("finished")
    << "</td></tr><tr><th>rubrika</th><td>" << text("rubrika_version") << "</td></tr></table>";
  const json& data = child(m, "data");
  if (data.is_object()) {
    s << "<table><tr><th>split</th><th>texts</th></tr>";
    for (const auto& [split, count] : child(data, "counts").items())
      s << "<tr><td>" << escape(split) << "</td><td>" << (count.is_number() ? count.dump() : "–")
        << "</td></tr>";
    s << "<tr><td>classes</td><td>" << child(data, "classes").size()
      << "</td></tr><tr><td>skipped (empty)</td><td>" << cell(data, "skipped_empty")
      << "</td></tr></table>";
  } else {
    s << not_run("Data");
  }
  const json& timings = child(m, "timings_s");
  if (timings.is_object()) {
    double total = 0, longest = 0;
    for (const auto& [stage, seconds] : timings.items())
      if (seconds.is_number())
        total += seconds.get<double>(), longest = std::max(longest, seconds.get<double>());
    s << "<table><tr><th>stage</th><th>seconds</th><th></th></tr>";
    for (const auto& [stage, seconds] : timings.items()) {
      const double v = seconds.is_number() ? seconds.get<double>() : 0;
      s << "<tr><td>" << escape(stage) << "</td><td>" << number(v, 4)
        << "</td><td><span class='bar' style='width:" << (longest > 0 ? 120 * v / longest : 0)
        << "px'></span></td></tr>";
    }
    s << "<tr><th>total</th><th>" << number(total, 4) << "</th><th></th></tr></table>";
  }
  s << "</div>";
  return s.str();
}

// The baseline stage's row (metrics.baseline: accuracy and macro-F1 on the same test split)
// under the main classifier's, and the difference.
std::string baseline_section(const json& m) {
  const json& base = child(m, "baseline");
  if (!base.is_object()) return not_run("Baseline (tfidf + linear)");
  if (says_multi_label(base)) return multilabel_baseline_section(m);  // micro-F1, per label
  const json& classifier = child(m, "classifier");
  const json& main = child(classifier, "test");
  auto delta = [&](const char* key) {
    if (!has_number(base, key) || !has_number(main, key)) return std::string("–");
    const double d = number_at(main, key) - number_at(base, key);
    return (d >= 0 ? "+" : "") + number(d, 3);
  };
  std::ostringstream s;
  s << "<p>The same train / validation / test split, a linear head on frozen TF-IDF features ("
    << cell(base, "dimensions", 8) << " n-grams), trained in " << cell(base, "train_seconds", 3)
    << " s.</p>"
    << "<table><tr><th>model</th><th>accuracy</th><th>macro-F1</th></tr><tr><td>"
    << escape(text_at(base, "name", "baseline")) << "</td><td>" << cell(base, "accuracy")
    << "</td><td>" << cell(base, "macro_f1") << "</td></tr><tr><td>this run ("
    << escape(text_at(classifier, "encoder", "?")) << " + "
    << escape(text_at(classifier, "head", "?")) << ")</td><td>" << cell(main, "accuracy")
    << "</td><td>" << cell(main, "macro_f1") << "</td></tr><tr><td>difference</td><td>"
    << delta("accuracy") << "</td><td>" << delta("macro_f1") << "</td></tr></table>";
  return s.str();
}

// The curl example asks about a text of the run's own test split (serving.example, written
// by the report stage); older runs fall back to an ads text.
std::string serving_section(const json& m) {
  const json& serving = child(m, "serving");
  const std::string command = text_at(serving, "command", "rubrika serve RUN_DIR");
  const std::string url = text_at(serving, "url", "http://127.0.0.1:8080/v1/classify");
  const std::string example = text_at(serving, "example", "Продаю диван, почти новый");
  // A JSON body inside a single-quoted shell word: ' becomes '\''.
  std::string body = json{{"texts", json::array({example})}}.dump();
  for (size_t at = body.find('\''); at != std::string::npos; at = body.find('\'', at + 4))
    body.replace(at, 1, "'\\''");
  std::ostringstream s;
  s << "<p>Start the server:</p><pre>" << escape(command) << "</pre><p>Ask it";
  if (serving.contains("example")) s << " (a text of this run's test split)";
  s << ":</p><pre>curl -s " << escape(url)
    << " \\\n  -H 'Content-Type: application/json' \\\n  -d '" << escape(body) << "'</pre>";
  return s.str();
}

}  // namespace rubrika::report
