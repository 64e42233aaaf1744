// rubrika extend RUN --data FILE --add-labels a,b [--remove-labels c] [--out NEW_RUN]
//
// A new run folder from a trained one with labels added or removed, the encoder frozen (see
// rubrika/train/extend_run.hpp and docs/adding-categories.md). The parent run is only read.
// FILE is read like the parent's training data (its recipe's [data] fields; --text-field /
// --label-field override them) and lists texts of the added labels; a multi-label file may
// also be the parent's own texts with the added labels among theirs.
#include "cli_common.hpp"
#include "input_files.hpp"

#include <rubrika/error.hpp>
#include <rubrika/train/extend_run.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iomanip>
#include <iostream>
#include <limits>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {
namespace {

struct ExtendArgs {
  std::string run, data, add, remove, out, parent_data = "use";
  bool json = false;
  InputFileOptions file_options;
};

fs::path default_out(const fs::path& run) {
  fs::path parent = fs::absolute(run).lexically_normal();
  if (!parent.has_filename()) parent = parent.parent_path();
  return parent.parent_path() / (parent.filename().string() + "_extended");
}

// A metric left undefined (no positives in the test split) is null in the report.
double number(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

void print_summary(const nlohmann::json& report, const fs::path& out) {
  std::cout << std::fixed << std::setprecision(4);
  // Bound to a name: a range-for over items() of value()'s temporary would dangle.
  const nlohmann::json added = report.value("added_labels", nlohmann::json::object());
  for (const auto& [label, f] : added.items())
    std::cout << "added " << label << ": test ROC AUC " << number(f["roc_auc"]) << ", F1 "
              << number(f["f1"]) << " (precision " << number(f["precision"]) << ", recall "
              << number(f["recall"]) << ")\n";
  if (report.contains("check")) {
    const nlohmann::json& check = report["check"];
    std::cout << "old labels: largest logit change against the parent "
              << number(check["old_logits_max_abs_difference"]) << " on "
              << check["texts"].get<std::int64_t>() << " test texts\n";
  }
  std::cout << std::setprecision(1) << "extended in " << report["seconds"].get<double>()
            << " s (features " << report["step_seconds"]["features"].get<double>()
            << " s); serve it with: rubrika serve " << out.string() << "\n";
}

}  // namespace

int run_extend(const std::vector<std::string>& args) {
  ExtendArgs a;
  ExtendRequest request;
  ExtendOptions& o = request.options;
  const std::string usage =
      "rubrika extend RUN --data FILE --add-labels a,b [--remove-labels c] [--out NEW_RUN]";
  po::options_description options(usage);
  options.add_options()("run", po::value(&a.run)->required(), "the trained run folder (parent)")(
      "data", po::value(&a.data), "labelled CSV/TSV/JSONL file with texts of the added labels")(
      "add-labels", po::value(&a.add), "labels to add, comma-separated")(
      "remove-labels", po::value(&a.remove), "labels to remove, comma-separated")(
      "out", po::value(&a.out), "the new run folder (default: RUN_extended)")(
      "parent-data", po::value(&a.parent_data)->default_value("use"),
      "use: the parent's texts are negatives of the added labels (multi-label) or replayed "
      "with their classes (single-label); ignore: train on FILE alone")(
      "head", po::value(&o.head), "head plugin of the added labels (default: the parent's)")(
      "epochs", po::value(&o.epochs)->default_value(o.epochs), "at most, with early stopping")(
      "patience", po::value(&o.patience)->default_value(o.patience),
      "epochs without validation gain before stopping")(
      "batch", po::value(&o.batch_size)->default_value(o.batch_size), "texts per step")(
      "learning-rate", po::value(&o.learning_rate)->default_value(o.learning_rate), "AdamW")(
      "seed", po::value(&o.seed)->default_value(o.seed), "initialisation and shuffling")(
      "device", po::value(&request.device)->default_value("auto"), "auto | cpu | cuda | cuda:N")(
      "force", po::bool_switch(&request.force), "replace an existing --out (never RUN)")(
      "json", po::bool_switch(&a.json), "print metrics.json's \"extend\" section");
  a.file_options.add_to(options, true);
  po::positional_options_description positional;
  positional.add("run", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  const auto parent_data = enum_value(kParentDataNames, a.parent_data);
  if (!parent_data)
    throw UsageError("--parent-data must be use or ignore, not '" + a.parent_data + "'");
  if (o.epochs < 1 || o.patience < 1 || o.batch_size < 1 || !(o.learning_rate > 0))
    throw UsageError("--epochs, --patience, --batch and --learning-rate must be positive");
  o.parent_data = *parent_data;
  o.add = split_commas(a.add);
  o.remove = split_commas(a.remove);
  request.parent = a.run;
  request.out = a.out.empty() ? default_out(a.run) : fs::path(a.out);
  request.data = a.data;
  request.parent_data = run_data_options(a.run, true);
  request.new_data = a.file_options.applied_to(request.parent_data);
  if (!a.file_options.label_field.empty()) request.new_data.label_columns.clear();
  const nlohmann::json report = extend_run(request, registry_for(nullptr));
  if (a.json)
    std::cout << report.dump(2) << "\n";
  else
    print_summary(report, request.out);
  return kOk;
}

}  // namespace rubrika::cli
