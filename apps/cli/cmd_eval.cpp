// rubrika eval RUN_DIR [--data FILE [--ood]] [--rerank MODE] [--dtype D] [--json] [--out FILE]
//
// With --dtype bf16 (or fp16 on CUDA) the metrics are those of that inference precision, and
// a "precision" block compares it with fp32 on the same texts (top-1 agreement, largest
// probability change, speed-up).
//
// Metrics of a trained run on labelled texts: its own test split (re-read from the data the
// run's recipe.toml names — its [data] test file, or the test part of its train file re-split
// with the same seed), or any labelled file given with --data. Files are read like `predict
// --input` reads them: CSV, TSV, JSONL or plain text, with the run's [data] fields
// (--text-field / --label-field override them). Texts go through the full pipeline, like
// `predict`.
//
// --data FILE --ood: every text of FILE is out-of-domain (labels, if any, are ignored). Each
// OOD scorer of the run scores it against the test split: AUROC, AUPR, FPR@95%TPR, and the
// rejection rate at the run's own thresholds; plus how often the final answer is "Other".
#include "cli_common.hpp"
#include "eval_multilabel.hpp"
#include "eval_precision.hpp"
#include "input_files.hpp"

#include <rubrika/data/dataset.hpp>
#include <rubrika/error.hpp>
#include <rubrika/evaluation.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/mixed_precision.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/run_layout.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
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

EvalTexts from_split(DataSplit&& split, const LabelSet& split_labels, const LabelSet& run_labels) {
  EvalTexts out;
  out.texts = std::move(split.texts);
  for (int64_t id : split.labels) out.labels.push_back(run_labels.id(split_labels.name(id)));
  return out;
}

// "test file X" or "test split of X": where the run's test texts come from.
std::string test_source(const DatasetOptions& options) {
  return options.test.empty() ? "test split of " + options.train.string()
                              : "test file " + options.test.string();
}

// The run's own test split, re-read and re-split as in training.
EvalTexts load_test_split(Pipeline& pipeline, const DatasetOptions& options) {
  Dataset dataset = load_dataset(options, raw_if_not_empty(pipeline));
  if (dataset.labels.names() != pipeline.labels().names())
    throw ArtifactError("the run's data files no longer give the labels it was trained on",
                        options.train.string(), "evaluate on a file with --data FILE");
  EvalTexts out = from_split(std::move(dataset.test), dataset.labels, pipeline.labels());
  out.description = test_source(options);
  out.skipped_empty = dataset.skipped_empty;
  return out;
}

// A labelled file given with --data.
EvalTexts load_labelled(Pipeline& pipeline, const std::string& file, const DatasetOptions& options,
                        TextFileFormat format) {
  TextFile read = read_text_file(file, options, raw_if_not_empty(pipeline), true, format);
  if (!read.has_labels)
    throw InputError(read.format == TextFileFormat::plain
                         ? std::string("a plain-text file has no labels")
                         : "the file has no label field '" + options.label_field + "'",
                     file,
                     read.format == TextFileFormat::plain
                         ? "pass --ood to score its texts as out-of-domain"
                         : "pass --ood to score its texts as out-of-domain, or name the label "
                           "field with --label-field NAME");
  EvalTexts out;
  out.description = file;
  out.skipped_empty = read.skipped_empty;
  out.texts = std::move(read.texts);
  const LabelSet& labels = pipeline.labels();
  for (size_t i = 0; i < read.labels.size(); ++i)
    out.labels.push_back(run_label_id(labels, read.labels[i], read.origins[i]));
  return out;
}

EvalTexts load_eval_texts(Pipeline& pipeline, const fs::path& run_dir, const std::string& data_file,
                          const InputFileOptions& file_options) {
  if (!data_file.empty())
    return load_labelled(pipeline, data_file,
                         file_options.applied_to(run_data_options(run_dir, false)),
                         file_options.file_format());
  return load_test_split(pipeline, run_data_options(run_dir, true));
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

// The run's OOD thresholds as training wrote them (metrics.json ood.scorers.<name>.threshold),
// for the output; empty when the run has no metrics.json.
nlohmann::json saved_ood_scorers(const fs::path& run_dir) {
  std::ifstream in(RunLayout(run_dir).metrics());
  if (!in) return nlohmann::json::object();
  const auto metrics = nlohmann::json::parse(in, nullptr, false);
  if (metrics.is_discarded() || !metrics.is_object()) return nlohmann::json::object();
  const auto ood = metrics.find("ood");
  if (ood == metrics.end() || !ood->is_object() || !ood->contains("scorers"))
    return nlohmann::json::object();
  return (*ood)["scorers"];
}

nlohmann::json ood_json(const EvalTexts& in_domain, const std::string& file, const TextFile& ood,
                        const OodEvaluation& r, const fs::path& run_dir) {
  const nlohmann::json saved = saved_ood_scorers(run_dir);
  nlohmann::json scorers = nlohmann::json::object();
  std::string primary;
  for (const auto& s : r.scorers) {
    if (s.primary) primary = s.name;
    nlohmann::json out = {{"auroc", s.report.auroc},
                          {"aupr_in", s.report.aupr_in},
                          {"aupr_out", s.report.aupr_out},
                          {"fpr_at_95_tpr", s.report.fpr_at_95_tpr},
                          {"in_domain_acceptance", s.rates.in_domain_acceptance},
                          {"ood_rejection", s.rates.ood_rejection}};
    if (saved.contains(s.name) && saved[s.name].is_object() && saved[s.name].contains("threshold"))
      out["threshold"] = saved[s.name]["threshold"];
    scorers[s.name] = std::move(out);
  }
  return {{"data", in_domain.description},
          {"texts", r.in_domain_texts},
          {"skipped_empty", in_domain.skipped_empty},
          {"ood_data", file},
          {"ood_texts", r.ood_texts},
          {"ood_skipped_empty", ood.skipped_empty},
          {"ood", {{"primary", primary}, {"scorers", scorers}}},
          {"other_rate", r.in_domain_other_rate},
          {"ood_other_rate", r.ood_other_rate}};
}

std::string percent(double share) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << share * 100 << "%";
  return out.str();
}

void print_ood_summary(const nlohmann::json& j, const fs::path& run_dir) {
  std::cout << std::fixed << std::setprecision(4) << "run          " << run_dir.string() << "\n"
            << "in-domain    " << j["data"].get<std::string>() << ": " << j["texts"] << " texts\n"
            << "OOD          " << j["ood_data"].get<std::string>() << ": " << j["ood_texts"]
            << " texts (" << j["ood_skipped_empty"] << " skipped as empty), all out-of-domain\n"
            << "scorer        AUROC   FPR@95%TPR  threshold     in-domain accepted  OOD rejected\n";
  const std::string primary = j["ood"]["primary"].get<std::string>();
  for (const auto& [name, s] : j["ood"]["scorers"].items()) {
    std::ostringstream threshold;
    if (s.contains("threshold") && s["threshold"].is_number())
      threshold << std::setprecision(5) << std::defaultfloat << s["threshold"].get<double>();
    else
      threshold << "–";
    std::cout << std::left << std::setw(14) << (name + (name == primary ? " *" : ""))
              << std::setw(8) << s["auroc"].get<double>() << std::setw(12)
              << s["fpr_at_95_tpr"].get<double>() << std::setw(14) << threshold.str()
              << std::setw(20) << percent(s["in_domain_acceptance"].get<double>())
              << percent(s["ood_rejection"].get<double>()) << std::right << "\n";
  }
  std::cout << "final        \"Other\" for " << percent(j["ood_other_rate"].get<double>())
            << " of OOD texts and " << percent(j["other_rate"].get<double>())
            << " of in-domain texts (* primary scorer: its flag, or low confidence)\n";
}

void print_summary(const nlohmann::json& j, const fs::path& run_dir) {
  const auto pct = [](double share) { return percent(share); };
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

// `rubrika eval`'s command line, parsed.
struct EvalArgs {
  std::string run_dir, data_file, rerank = "auto", device = "auto", out_file, dtype;
  bool json = false, ood = false;
  EvaluationOptions evaluation;
  InputFileOptions file_options;
  std::optional<Precision> precision;  // --dtype, when given
  TextFileFormat format{};
};

// False when --help was asked for (printed already).
bool parse_eval_args(const std::vector<std::string>& args, EvalArgs& a) {
  const std::string usage =
      "rubrika eval RUN_DIR [--data FILE [--ood]] [--rerank auto|always|never] "
      "[--dtype fp32|bf16|fp16] [--json] [--out FILE]";
  po::options_description options(usage);
  options.add_options()("run", po::value(&a.run_dir)->required(), "the run folder")(
      "data", po::value(&a.data_file),
      "labelled CSV/TSV/JSONL file (default: the run's test split); with --ood any file of "
      "texts, plain text too")(
      "ood", po::bool_switch(&a.ood),
      "every text of --data is out-of-domain: score OOD detection against the test split")(
      "rerank", po::value(&a.rerank)->default_value("auto"), "auto | always | never")(
      "json", po::bool_switch(&a.json), "print every metric as JSON")(
      "out", po::value(&a.out_file), "also write the JSON to this file")(
      "batch", po::value(&a.evaluation.batch_size)->default_value(32), "texts per forward pass")(
      "device", po::value(&a.device)->default_value("auto"), "auto | cpu | cuda | cuda:N")(
      "dtype", po::value(&a.dtype),
      "encoder inference precision (default: as trained); not fp32: "
      "also compare with fp32");
  a.file_options.add_to(options, true);
  po::positional_options_description positional;
  positional.add("run", 1);
  if (!parse_options(args, usage, options, positional)) return false;
  a.evaluation.rerank = parse_rerank_mode(a.rerank);
  if (a.ood && a.data_file.empty())
    throw UsageError("--ood needs --data FILE: the out-of-domain texts to score");
  a.format = a.file_options.file_format();
  if (!a.dtype.empty() && !(a.precision = enum_value(kDtypeNames, a.dtype)))
    throw UsageError("--dtype must be fp32, bf16 or fp16, not '" + a.dtype + "'");
  return true;
}

// The metrics of the run on what `a` names; `data` gets the texts evaluated.
nlohmann::json evaluate_run(Pipeline& pipeline, const EvalArgs& a, EvalTexts& data) {
  const TextFileFormat format = a.format;
  if (a.ood) {
    const DatasetOptions run_options = run_data_options(a.run_dir, true);
    data = load_test_split(pipeline, run_options);
    const TextFile file = read_text_file(a.data_file, a.file_options.applied_to(run_options),
                                         raw_if_not_empty(pipeline), false, format);
    const OodEvaluation result = evaluate_ood(pipeline, data.texts, file.texts, a.evaluation);
    return ood_json(data, a.data_file, file, result, a.run_dir);
  }
  if (pipeline.multi_label()) {
    const DatasetOptions run_options = run_data_options(a.run_dir, a.data_file.empty());
    const MultiLabelTexts texts =
        a.data_file.empty() ? multilabel_test_split(pipeline, run_options, test_source(run_options))
                            : multilabel_file(pipeline, a.data_file,
                                              a.file_options.applied_to(run_options), format);
    data.texts = texts.texts;
    return evaluate_multilabel(pipeline, texts, a.evaluation.batch_size);
  }
  data = load_eval_texts(pipeline, a.run_dir, a.data_file, a.file_options);
  const EvaluationResult result =
      evaluate_pipeline(pipeline, data.texts, data.labels, a.evaluation);
  return evaluation_json(data, result, pipeline);
}

void print_report(const nlohmann::json& report, const EvalArgs& a, const Pipeline& pipeline) {
  if (a.json)
    std::cout << report.dump(2) << "\n";
  else if (a.ood)
    print_ood_summary(report, a.run_dir);
  else if (pipeline.multi_label())
    print_multilabel_summary(report, a.run_dir);
  else
    print_summary(report, a.run_dir);
}

}  // namespace

int run_eval(const std::vector<std::string>& args) {
  EvalArgs a;
  if (!parse_eval_args(args, a)) return kOk;
  auto pipeline = Pipeline::load(a.run_dir, registry_for(nullptr), a.device, a.dtype);
  EvalTexts data;
  nlohmann::json report = evaluate_run(*pipeline, a, data);
  if (a.precision && *a.precision != Precision::fp32) {
    auto fp32 = Pipeline::load(a.run_dir, registry_for(nullptr), a.device, "fp32");
    report["precision"] =
        compare_precisions(*fp32, *pipeline, data.texts, a.evaluation.batch_size).to_json(a.dtype);
  }
  if (!a.out_file.empty()) {
    AtomicFileWriter out(a.out_file);
    out.stream() << report.dump(2) << "\n";
    out.commit();
  }
  print_report(report, a, *pipeline);
  return kOk;
}

}  // namespace rubrika::cli
