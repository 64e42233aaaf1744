// rubrika report RUN_DIR [--out FILE]: (re)writes a run folder's report.html from its
// metrics.json, e.g. after upgrading rubrika or to put the page somewhere else.
#include "cli_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/report/html_report.hpp>
#include <rubrika/run_layout.hpp>

#include <filesystem>
#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {

int run_report(const std::vector<std::string>& args) {
  const std::string usage = "rubrika report RUN_DIR [--out FILE]";
  std::string run_dir, out;
  po::options_description options(usage);
  options.add_options()("run", po::value(&run_dir)->required(),
                        "a trained run folder (holds metrics.json)")(
      "out,o", po::value(&out), "where to write the page (default: RUN_DIR/report.html)");
  po::positional_options_description positional;
  positional.add("run", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  const fs::path metrics = RunLayout(run_dir).metrics();
  if (!fs::exists(metrics))
    throw ArtifactError("no metrics.json in " + run_dir, metrics.string(),
                        "give a run folder written by `rubrika train`");
  const fs::path page = out.empty() ? RunLayout(run_dir).report() : fs::path(out);
  write_html_report(metrics, page);
  std::cout << fs::absolute(page).lexically_normal().string() << "\n";
  return kOk;
}

}  // namespace rubrika::cli
