// rubrika eval RUN_DIR [--data FILE] [--rerank MODE] [--dtype D] [--json] [--out FILE]
//
// With --dtype bf16 (or fp16 on CUDA) the metrics are those of that inference precision, and
// a "precision" block compares it with fp32 on the same texts (top-1 agreement, largest
// probability change, speed-up).
//
// Metrics of a trained run on labelled texts: its own test split (re-read from the data the
// run's recipe.toml names and re-split with the same seed), or any labelled CSV/JSONL file
// with the same columns. Texts go through the full pipeline, like `predict`.
#include "cli_common.hpp"
#include "eval_precision.hpp"

#include <rubrika/data/dataset.hpp>
#include <rubrika/error.hpp>
#include <rubrika/evaluation.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/run_layout.hpp>

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {
namespace {

struct EvalTexts {
  std::string description;  // what was evaluated, for the output
  std::vector<std::string> texts;
  std::vector<int64_t> labels;  // ids in the pipeline's LabelSet
  size_t skipped_empty = 0;
};

DatasetOptions run_data_options(const fs::path& run_dir, bool needs_data_files) {
  const fs::path saved = RunLayout(run_dir).recipe();
  if (!fs::is_regular_file(saved))
    throw ArtifactError("the run folder has no recipe.toml", run_dir.string(),
                        "re-run rubrika train, or pass --data FILE");
  const Recipe recipe = Recipe::load(saved);
  const toml::table* data = recipe.section("data");
  if (data == nullptr)
    throw ArtifactError("the run's recipe.toml has no [data] section", saved.string());
  // Runs trained before data paths were saved absolute would resolve them against the run
  // folder, i.e. to the wrong files.
  const auto train = data->get_as<std::string>("train");
  if (needs_data_files && (train == nullptr || fs::path(train->get()).is_relative()))
    throw ArtifactError("the run's recipe.toml names its data with a relative path (an older run)",
                        saved.string(), "pass --data FILE, or re-run rubrika train");
  DatasetOptions options = DatasetOptions::from_toml(*data, recipe.run().seed);
  options.synth.reset();  // evaluation reads data; it never generates files
  return options;
}

// The run's normaliser decides which rows are empty (as in training), but the texts stay raw:
// Pipeline::predict normalises them itself.
TextNormalizer raw_if_not_empty(Pipeline& pipeline) {
  return [&pipeline](std::string_view text) {
    const std::string normalized = pipeline.normalize(text);
    return normalized.find_first_not_of(" \t\r\n") == std::string::npos ? std::string()
                                                                        : std::string(text);
  };
}

EvalTexts from_split(DataSplit&& split, const LabelSet& split_labels, const LabelSet& run_labels) {
  EvalTexts out;
  out.texts = std::move(split.texts);
  for (int64_t id : split.labels) out.labels.push_back(run_labels.id(split_labels.name(id)));
  return out;
}

EvalTexts load_eval_texts(Pipeline& pipeline, const fs::path& run_dir,
                          const std::string& data_file) {
  const DatasetOptions options = run_data_options(run_dir, data_file.empty());
  if (!data_file.empty()) {
    size_t skipped = 0;
    DataSplit split = load_labelled_file(data_file, options, pipeline.labels(),
                                         raw_if_not_empty(pipeline), skipped);
    EvalTexts out = from_split(std::move(split), pipeline.labels(), pipeline.labels());
    out.description = data_file;
    out.skipped_empty = skipped;
    return out;
  }
  Dataset dataset = load_dataset(options, raw_if_not_empty(pipeline));
  if (dataset.labels.names() != pipeline.labels().names())
    throw ArtifactError("the run's data files no longer give the labels it was trained on",
                        options.train.string(), "evaluate on a file with --data FILE");
  EvalTexts out = from_split(std::move(dataset.test), dataset.labels, pipeline.labels());
  out.description = "test split of " + options.train.string();
  out.skipped_empty = dataset.skipped_empty;
  return out;
}

nlohmann::json report_json(const metrics::ClassificationReport& r, const LabelSet& labels,
                           const std::string& other_label) {
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < r.per_class.size(); ++c) {
    const auto& s = r.per_class[c];
    const std::string name = static_cast<int64_t>(c) < labels.size()
                                 ? labels.name(static_cast<int64_t>(c))
                                 : other_label;
    per_class[name] = {
        {"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}};
  }
  return {{"accuracy", r.accuracy},
          {"macro_f1", r.macro_f1},
          {"per_class", per_class},
          {"confusion", r.confusion}};
}

nlohmann::json evaluation_json(const EvalTexts& data, const EvaluationResult& r,
                               Pipeline& pipeline) {
  const auto& c = r.calibration;
  return {
      {"data", data.description},
      {"texts", r.texts},
      {"skipped_empty", data.skipped_empty},
      {"classifier", report_json(r.classifier, pipeline.labels(), "")},
      {"final", report_json(r.final_labels, pipeline.labels(), pipeline.decision().other_label)},
      {"calibration", {{"ece", c.ece}, {"mce", c.mce}, {"nll", c.nll}, {"brier", c.brier}}},
      {"other_rate", r.other_rate},
      {"ood_flag_rate", r.ood_flag_rate},
      {"rerank",
       {{"reranked", r.reranked},
        {"fixed", r.rerank_fixed},
        {"broke", r.rerank_broke},
        {"trigger_rate", static_cast<double>(r.reranked) / r.texts}}}};
}

void print_summary(const nlohmann::json& j, const fs::path& run_dir) {
  auto pct = [](double share) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(2) << share * 100 << "%";
    return out.str();
  };
  std::cout << std::fixed << std::setprecision(4) << "run          " << run_dir.string() << "\n"
            << "data         " << j["data"].get<std::string>() << ": " << j["texts"] << " texts ("
            << j["skipped_empty"] << " skipped as empty)\n"
            << "classifier   accuracy " << j["classifier"]["accuracy"].get<double>()
            << "  macro-F1 " << j["classifier"]["macro_f1"].get<double>()
            << "  (calibrated top-1)\n"
            << "final        accuracy " << j["final"]["accuracy"].get<double>() << "  macro-F1 "
            << j["final"]["macro_f1"].get<double>() << "  (Other " << pct(j["other_rate"])
            << ", OOD-flagged " << pct(j["ood_flag_rate"]) << ", reranked "
            << pct(j["rerank"]["trigger_rate"]) << ": " << j["rerank"]["fixed"] << " fixed, "
            << j["rerank"]["broke"] << " broken)\n"
            << "calibration  ECE " << j["calibration"]["ece"].get<double>() << "  NLL "
            << j["calibration"]["nll"].get<double>() << "  Brier "
            << j["calibration"]["brier"].get<double>() << "\n";
  if (j.contains("precision")) {
    const auto& p = j["precision"];
    const std::string dtype = p["dtype"].get<std::string>();
    std::cout << "precision    " << dtype << " vs fp32: same top-1 on "
              << pct(p["top1_agreement_with_fp32"].get<double>()) << " of " << p["texts"]
              << " texts, max |dp| " << p["max_probability_diff"].get<double>() << ", forward "
              << std::setprecision(2) << p[dtype + "_seconds"].get<double>() << " s vs "
              << p["fp32_seconds"].get<double>() << " s (" << p["speedup"].get<double>() << "x)\n";
  }
}

}  // namespace

int run_eval(const std::vector<std::string>& args) {
  std::string run_dir, data_file, rerank = "auto", device = "auto", out_file, dtype;
  bool json = false;
  EvaluationOptions evaluation;
  const std::string usage =
      "rubrika eval RUN_DIR [--data FILE] [--rerank auto|always|never] [--dtype fp32|bf16|fp16] "
      "[--json] [--out FILE]";
  po::options_description options(usage);
  options.add_options()("run", po::value(&run_dir)->required(), "the run folder")(
      "data", po::value(&data_file),
      "labelled CSV/JSONL with the run's columns (default: its test split)")(
      "rerank", po::value(&rerank)->default_value("auto"), "auto | always | never")(
      "json", po::bool_switch(&json), "print every metric as JSON")(
      "out", po::value(&out_file), "also write the JSON to this file")(
      "batch", po::value(&evaluation.batch_size)->default_value(32), "texts per forward pass")(
      "device", po::value(&device)->default_value("auto"), "auto | cpu | cuda | cuda:N")(
      "dtype", po::value(&dtype),
      "encoder inference precision (default: as trained); not fp32: "
      "also compare with fp32");
  po::positional_options_description positional;
  positional.add("run", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  evaluation.rerank = parse_rerank_mode(rerank);

  if (!dtype.empty() && dtype != "fp32" && dtype != "bf16" && dtype != "fp16")
    throw UsageError("--dtype must be fp32, bf16 or fp16, not '" + dtype + "'");
  auto pipeline = Pipeline::load(run_dir, registry_for(nullptr), device, dtype);
  const EvalTexts data = load_eval_texts(*pipeline, run_dir, data_file);
  const EvaluationResult result = evaluate_pipeline(*pipeline, data.texts, data.labels, evaluation);
  nlohmann::json report = evaluation_json(data, result, *pipeline);
  if (!dtype.empty() && dtype != "fp32") {
    auto fp32 = Pipeline::load(run_dir, registry_for(nullptr), device, "fp32");
    report["precision"] =
        compare_precisions(*fp32, *pipeline, data.texts, evaluation.batch_size).to_json(dtype);
  }
  if (!out_file.empty()) {
    AtomicFileWriter out(out_file);
    out.stream() << report.dump(2) << "\n";
    out.commit();
  }
  if (json)
    std::cout << report.dump(2) << "\n";
  else
    print_summary(report, run_dir);
  return kOk;
}

}  // namespace rubrika::cli
