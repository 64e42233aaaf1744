// Stage "report": pipeline.toml (what serve loads), metrics.json and report.html.
#include "run_state.hpp"

#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/report/html_report.hpp>
#include <rubrika/text/utf8.hpp>

namespace rubrika::detail {

void run_report_stage(RunState& s) {
  s.manifest.format_version = kRunFormatVersion;
  s.manifest.rubrika_version = RUBRIKA_VERSION_STRING;
  s.manifest.run_name = s.recipe.run().name;
  s.manifest.recipe_hash = content_hash(s.recipe.resolved_toml());
  write_run_manifest(s.run_dir, s.manifest);
  s.metrics["serving"] = {{"command", "rubrika serve " + s.run_dir.string()},
                          {"url", "http://127.0.0.1:8080/v1/classify"}};
  // The report's curl example asks about a text the run knows the answer to: the first test
  // text of at most 200 code points (or the first one, cut).
  if (!s.test.texts.empty()) {
    std::string example = utf8::prefix(s.test.texts.front(), 200);
    for (const auto& text : s.test.texts)
      if (utf8::length(text) <= 200) {
        example = text;
        break;
      }
    s.metrics["serving"]["example"] = example;
  }
  write_file_atomically(s.layout().metrics(), s.metrics.dump(2) + "\n");
  write_html_report(s.layout().metrics(), s.layout().report());
  log_info("report", "wrote " + (s.layout().report()).string());
}

}  // namespace rubrika::detail
