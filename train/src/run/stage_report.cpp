// Stage "report": pipeline.toml (what serve loads), metrics.json and report.html.
#include "run_state.hpp"

#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/report/html_report.hpp>

namespace rubrika::detail {

void run_report_stage(RunState& s) {
  s.manifest.format_version = kRunFormatVersion;
  s.manifest.rubrika_version = RUBRIKA_VERSION_STRING;
  s.manifest.run_name = s.recipe.run().name;
  s.manifest.recipe_hash = content_hash(s.recipe.resolved_toml());
  write_run_manifest(s.run_dir, s.manifest);
  s.metrics["serving"] = {{"command", "rubrika serve " + s.run_dir.string()},
                          {"url", "http://127.0.0.1:8080/v1/classify"}};
  write_file_atomically(s.layout().metrics(), s.metrics.dump(2) + "\n");
  write_html_report(s.layout().metrics(), s.layout().report());
  log_info("report", "wrote " + (s.layout().report()).string());
}

}  // namespace rubrika::detail
