// Stage "report": pipeline.toml (what serve loads), metrics.json and report.html.
#include "stage_run.hpp"

#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/report/html_report.hpp>
#include <rubrika/text/utf8.hpp>

namespace rubrika::detail {

namespace {

// The report's curl example asks about a text the run knows the answer to: the first test
// text of at most 200 code points (or the first one, cut).
std::string example_text(const std::vector<std::string>& texts) {
  for (const auto& text : texts)
    if (utf8::length(text) <= 200) return text;
  return utf8::prefix(texts.front(), 200);
}

}  // namespace

void run_report_stage(StageRun& s) {
  RunManifest& manifest = s.manifest();
  manifest.format_version = kRunFormatVersion;
  manifest.rubrika_version = RUBRIKA_VERSION_STRING;
  manifest.run_name = s.recipe().run().name;
  manifest.recipe_hash = content_hash(s.recipe().resolved_toml());
  write_run_manifest(s.run().run_dir, manifest);
  s.metrics() = {{"command", "rubrika serve " + s.run().run_dir.string()},
                 {"url", "http://127.0.0.1:8080/v1/classify"}};
  const std::vector<std::string>& test = s.data().test.texts;
  if (!test.empty()) s.metrics()["example"] = example_text(test);
  s.write_metrics_file();
  write_html_report(s.layout().metrics(), s.layout().report());
  log_info("report", "wrote " + (s.layout().report()).string());
}

}  // namespace rubrika::detail
