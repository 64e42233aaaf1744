// Stage "reranker": mine hard negatives from the classifier's own confusions, train the
// cross-encoder with the shared Trainer, measure ranking over the classifier's top-k,
// and choose the cascade's threshold τ and fusion weight w on validation under a budget.
#include "stage_common.hpp"
#include "stage_run.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/metrics/ranking_metrics.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/progress.hpp>
#include <rubrika/random.hpp>
#include <rubrika/rerank/cascade.hpp>
#include <rubrika/rerank/hard_negatives.hpp>
#include <rubrika/train/reranker_host_options.hpp>
#include <rubrika/train/reranker_task.hpp>
#include <rubrika/train/reranker_train_options.hpp>
#include <rubrika/train/trainer.hpp>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <utility>

namespace rubrika::detail {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSource = "reranker";

std::string label_text(const std::string& pattern, const std::string& name,
                       const std::string& description) {
  std::string out = pattern;
  auto replace = [&](const std::string& key, const std::string& value) {
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size()))
      out.replace(at, key.size(), value);
  };
  replace("{name}", name);
  replace("{description}", description);
  // "Категория: X. " when there is no description: drop the dangling separator.
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

// Row-major [texts × labels] scores the mining ranks negatives by.
std::vector<double> mining_scores(StageRun& s, const std::string& split, MiningStrategy strategy,
                                  const std::vector<int64_t>& truth,
                                  const std::vector<std::string>& texts_of_labels) {
  if (strategy != MiningStrategy::similar_labels) {
    at::Tensor p = s.forward(split).probabilities.to(at::kDouble).contiguous();
    return std::vector<double>(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
  }
  // Similarity of each label's text to the true label's text in the classifier's CLS space.
  at::Tensor e = s.model().pipeline().forward_all(texts_of_labels, 64).encoded.cls.to(at::kDouble);
  e = e / e.norm(2, 1, true).clamp_min(1e-12);
  at::Tensor similarity = at::mm(e, e.t());
  std::vector<double> out;
  for (int64_t t : truth) {
    at::Tensor row = similarity[t].contiguous();
    out.insert(out.end(), row.data_ptr<double>(), row.data_ptr<double>() + row.numel());
  }
  return out;
}

std::vector<RerankGroup> mine_groups(StageRun& s, const std::string& split,
                                     const LabelledTexts& data, const RerankerTrainOptions& o,
                                     const std::vector<std::string>& texts_of_labels,
                                     nlohmann::json& stats_out, std::ofstream* jsonl) {
  Progress progress(kSource, static_cast<int64_t>(data.size()), "texts mined (" + split + ")");
  const auto scores = mining_scores(s, split, o.mining.strategy, data.labels, texts_of_labels);
  MiningStats stats;
  auto mined = mine_hard_negatives(scores, s.data().labels.size(), data.labels, o.mining, stats);
  progress.update(static_cast<int64_t>(data.size()));
  progress.finish(std::to_string(stats.kept) + " negatives kept of " +
                  std::to_string(stats.candidates_seen));
  std::vector<RerankGroup> groups(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    groups[i].text = data.texts[i];
    groups[i].positive = texts_of_labels[static_cast<size_t>(data.labels[i])];
  }
  for (const auto& m : mined) {
    groups[static_cast<size_t>(m.text)].negatives.push_back(
        texts_of_labels[static_cast<size_t>(m.label)]);
    if (jsonl)
      *jsonl << nlohmann::json{{"split", split},
                               {"text", data.texts[static_cast<size_t>(m.text)]},
                               {"positive",
                                s.data().labels.name(data.labels[static_cast<size_t>(m.text)])},
                               {"negative", s.data().labels.name(m.label)},
                               {"rank", m.rank},
                               {"score", m.score}}
                    .dump()
             << "\n";
  }
  stats_out[split] = {{"texts", stats.texts},
                      {"candidates_seen", stats.candidates_seen},
                      {"kept", stats.kept},
                      {"dropped_window", stats.dropped_window},
                      {"dropped_max_score", stats.dropped_max_score},
                      {"dropped_absolute_margin", stats.dropped_absolute_margin},
                      {"dropped_relative_margin", stats.dropped_relative_margin},
                      {"dropped_count", stats.dropped_count},
                      {"texts_without_negative", stats.texts_without_negative}};
  return groups;
}

// The classifier's top-k per text with the reranker's scores: what the cascade sees.
std::vector<CascadeExample> cascade_examples(StageRun& s, const std::string& split,
                                             const LabelledTexts& data, Reranker& reranker,
                                             const std::vector<std::string>& texts_of_labels,
                                             int64_t k, double* seconds_per_text) {
  const ForwardResult& f = s.forward(split);
  k = std::min<int64_t>(k, s.data().labels.size());
  auto [values, indices] = f.probabilities.to(at::kDouble).topk(k, 1);
  std::vector<CascadeExample> examples(data.size());
  std::vector<std::string> texts, candidates;
  for (size_t i = 0; i < data.size(); ++i) {
    auto& e = examples[i];
    e.truth = data.labels[i];
    for (int64_t j = 0; j < k; ++j) {
      e.candidates.push_back(indices[static_cast<int64_t>(i)][j].item<int64_t>());
      e.probabilities.push_back(values[static_cast<int64_t>(i)][j].item<double>());
      texts.push_back(data.texts[i]);
      candidates.push_back(texts_of_labels[static_cast<size_t>(e.candidates.back())]);
    }
    e.margin = e.probabilities[0] - (k > 1 ? e.probabilities[1] : 0.0);
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> scores;
  {
    c10::InferenceMode guard;
    reranker.set_training(false);
    for (size_t begin = 0; begin < texts.size(); begin += 128) {
      const size_t end = std::min(texts.size(), begin + 128);
      at::Tensor part = reranker
                            .score_pairs({texts.begin() + static_cast<long>(begin),
                                          texts.begin() + static_cast<long>(end)},
                                         {candidates.begin() + static_cast<long>(begin),
                                          candidates.begin() + static_cast<long>(end)})
                            .to(at::kCPU, at::kDouble)
                            .contiguous();
      scores.insert(scores.end(), part.data_ptr<double>(), part.data_ptr<double>() + part.numel());
    }
  }
  if (seconds_per_text)
    *seconds_per_text =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
        std::max<double>(1.0, static_cast<double>(data.size()));
  for (size_t i = 0; i < examples.size(); ++i)
    examples[i].reranker_scores.assign(scores.begin() + static_cast<long>(i * k),
                                       scores.begin() + static_cast<long>((i + 1) * k));
  return examples;
}

// 1-based rank of the truth in the candidate order given by `score_of(j)` (0 = absent).
template <class Score>
int64_t rank_of_truth(const CascadeExample& e, Score score_of) {
  int64_t truth_at = -1;
  for (size_t j = 0; j < e.candidates.size(); ++j)
    if (e.candidates[j] == e.truth) truth_at = static_cast<int64_t>(j);
  if (truth_at < 0) return 0;
  int64_t rank = 1;
  for (size_t j = 0; j < e.candidates.size(); ++j)
    if (static_cast<int64_t>(j) != truth_at &&
        score_of(j) > score_of(static_cast<size_t>(truth_at)))
      ++rank;
  return rank;
}

nlohmann::json ranking_json(const std::vector<CascadeExample>& examples, int64_t k, double weight) {
  std::vector<int64_t> before, after;
  for (const auto& e : examples) {
    before.push_back(rank_of_truth(e, [&](size_t j) { return e.probabilities[j]; }));
    after.push_back(rank_of_truth(e, [&](size_t j) {
      return e.reranker_scores[j] + weight * std::log(std::max(e.probabilities[j], 1e-12));
    }));
  }
  const auto b = ranking_metrics(before, k);
  const auto a = ranking_metrics(after, k);
  return {{"n", a.n},
          {"mrr", a.mrr},
          {"ndcg", a.ndcg},
          {"top1_after", a.top1},
          {"top1_before", b.top1},
          {"mrr_before", b.mrr},
          {"ndcg_before", b.ndcg}};
}

// The reranker's text per label (normalised as texts are) and the labels that have no
// description, whose text is only the label's name.
struct LabelTexts {
  std::vector<std::string> texts;
  std::vector<std::string> without_description;
};

LabelTexts label_texts_of(const StageRun& s, const DecisionOptions& decision) {
  const DataOutput& data = s.data();
  LabelTexts out;
  for (const auto& name : data.labels.names()) {
    auto d = data.label_descriptions.find(name);
    const bool described = d != data.label_descriptions.end() && !d->second.empty();
    if (!described) out.without_description.push_back(name);
    out.texts.push_back(
        data.normalize(label_text(decision.label_template, name, described ? d->second : "")));
  }
  return out;
}

// Mines pairs, trains the cross-encoder and saves it; returns the training figures.
nlohmann::json train_reranker(StageRun& s, Reranker& reranker, const RerankerTrainOptions& o,
                              const std::string& type, const std::vector<std::string>& texts) {
  std::ofstream jsonl(s.layout().reranker_pairs(), std::ios::trunc);
  nlohmann::json stats;
  auto train_groups = mine_groups(s, "train", s.data().train, o, texts, stats, &jsonl);
  if (o.max_train_texts > 0 && static_cast<int64_t>(train_groups.size()) > o.max_train_texts) {
    // A cross-encoder pass costs one model run per pair: cap the set for CPU budgets.
    SplitMix64 rng(s.recipe().run().seed);
    shuffle(train_groups, rng);
    train_groups.resize(static_cast<size_t>(o.max_train_texts));
  }
  auto validation_groups =
      mine_groups(s, "validation", s.data().validation, o, texts, stats, &jsonl);
  RerankerTaskOptions task_options;
  task_options.loss = o.loss;
  task_options.pos_weight = o.pos_weight;
  RerankerTask task(reranker, std::move(train_groups), std::move(validation_groups), task_options);
  Trainer trainer(o.train, s.layout().reranker_training().root(), kSource, s.recipe().run().seed);
  TrainingResult result = trainer.train(task, s.request().resume);
  reranker.save(s.layout().reranker());
  auto figure = [&](const char* name) {
    return result.best_evaluation.count(name) ? result.best_evaluation.at(name) : 0.0;
  };
  nlohmann::json out = {{"plugin", type},
                        {"mining", stats},
                        {"loss", enum_name(kRerankerLossNames, o.loss)},
                        {"pairs", result.best_evaluation},
                        {"train_seconds", result.seconds}};
  out["pairs"]["accuracy"] = figure("pair_accuracy");
  out["pairs"]["f1"] = figure("pair_f1");
  return out;
}

// Top-1 on `examples`: the classifier alone, the reranker on every text, and the cascade
// (the reranker on texts whose margin is below tau) — all at fusion weight `weight`.
struct TopOne {
  double classifier = 0, reranked = 0, cascade = 0;
};

TopOne top1_of(const std::vector<CascadeExample>& examples, double tau, double weight) {
  TopOne t;
  for (const auto& e : examples) {
    const int64_t reranked = cascade_pick(e, weight);
    t.classifier += e.candidates[0] == e.truth;
    t.reranked += reranked == e.truth;
    t.cascade += (e.margin < tau ? reranked : e.candidates[0]) == e.truth;
  }
  const double n = std::max<double>(1.0, static_cast<double>(examples.size()));
  return {t.classifier / n, t.reranked / n, t.cascade / n};
}

// Chooses τ and w on validation. The reranker is used only when the cascade, as it would be
// served, raises validation top-1 above the classifier's; otherwise it is kept out of the
// cascade (τ = 0) so that it never makes answers worse. Reranking every text is reported
// beside it: on real data with label names alone it dropped top-1 from 0.910 to 0.606.
void choose_cascade(const std::vector<CascadeExample>& validation, const RerankerTrainOptions& o,
                    bool fixed_by_recipe, DecisionOptions& decision, nlohmann::json& out) {
  const CascadeChoice choice = tune_cascade(validation, decision.rerank_budget, o.fusion_weights);
  if (!fixed_by_recipe) {
    decision.rerank_tau = choice.tau;
    decision.rerank_weight = choice.weight;
  }
  const TopOne top1 = top1_of(validation, decision.rerank_tau, decision.rerank_weight);
  out["validation_top1"] = {
      {"classifier", top1.classifier}, {"reranked", top1.reranked}, {"cascade", top1.cascade}};
  out["validation_choice"] = {{"trigger_rate", choice.trigger_rate},
                              {"accuracy_without", choice.accuracy_without},
                              {"accuracy_with", choice.accuracy_with}};
  out["used"] = true;
  out.erase("not_used_reason");  // a reason from an earlier run of a current stage
  if (top1.cascade > top1.classifier) return;
  const std::string reason = "on validation the cascade gives top-1 " +
                             format_metric(top1.cascade) + " against the classifier's " +
                             format_metric(top1.classifier) +
                             " (every text reranked: " + format_metric(top1.reranked) + ")";
  if (fixed_by_recipe) {
    log_warn(kSource, reason + "; [decision] rerank_tau is set by the recipe, so it is kept");
    return;
  }
  decision.rerank_tau = 0.0;
  out["used"] = false;
  out["not_used_reason"] = reason + ": no gain, kept out of the cascade (rerank_tau = 0)";
  log_warn(kSource, out["not_used_reason"].get<std::string>());
}

// The cascade with the chosen τ and w on the test split: ranking and accuracy figures.
void measure_cascade(StageRun& s, Reranker& reranker, const RerankerTrainOptions& o,
                     const std::vector<std::string>& texts, const DecisionOptions& decision,
                     nlohmann::json& out) {
  double seconds_per_text = 0;
  auto test =
      cascade_examples(s, "test", s.data().test, reranker, texts, o.candidates, &seconds_per_text);
  std::vector<CascadeExample> low_margin;
  double correct_without = 0, correct_with = 0, sent = 0;
  for (const auto& e : test) {
    const bool route = e.margin < decision.rerank_tau;
    const int64_t final_label = route ? cascade_pick(e, decision.rerank_weight) : e.candidates[0];
    correct_without += e.candidates[0] == e.truth;
    correct_with += final_label == e.truth;
    sent += route;
    if (route) low_margin.push_back(e);
  }
  const double n = static_cast<double>(test.size());
  out["ranking"] = {{"k", o.candidates},
                    {"all", ranking_json(test, o.candidates, decision.rerank_weight)},
                    {"low_margin", low_margin.empty() ? nlohmann::json{{"n", 0}}
                                                      : ranking_json(low_margin, o.candidates,
                                                                     decision.rerank_weight)}};
  out["cascade"] = {{"tau", decision.rerank_tau},
                    {"weight", decision.rerank_weight},
                    {"budget", decision.rerank_budget},
                    {"trigger_rate", sent / n},
                    {"accuracy_without", correct_without / n},
                    {"accuracy_with", correct_with / n},
                    {"added_latency_ms", 1000.0 * seconds_per_text * o.candidates},
                    {"validation", out["validation_choice"]}};
  log_info(kSource, "test: cascade sends " + format_metric(sent / n) + " of texts (budget " +
                        format_metric(decision.rerank_budget) + "), accuracy " +
                        format_metric(correct_without / n) + " → " +
                        format_metric(correct_with / n));
}

// No reranker in this run: the decision alone, and why (for metrics.json and the report).
void skip_reranker(StageRun& s, const DecisionOptions& decision, const std::string& reason) {
  if (!reason.empty()) {
    log_warn(kSource, reason);
    s.metrics() = {{"used", false}, {"skipped", true}, {"not_used_reason", reason}};
  } else {
    s.drop_metrics();
  }
  s.model().pipeline().set_decision(decision);
  s.manifest().decision = decision.to_toml();
}

std::string names_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 5) out += ", … (" + std::to_string(names.size()) + " in all)";
  return out;
}

// Puts the reranker and the decision into the pipeline and pipeline.toml.
void install_reranker(StageRun& s, std::unique_ptr<Reranker> reranker, const std::string& type,
                      const toml::table& options, const std::vector<std::string>& texts,
                      const DecisionOptions& decision) {
  const LabelSet& labels = s.data().labels;
  std::map<std::string, std::string> label_texts;
  toml::table label_texts_toml;
  for (int64_t i = 0; i < labels.size(); ++i) {
    label_texts[labels.name(i)] = texts[static_cast<size_t>(i)];
    label_texts_toml.insert(labels.name(i), texts[static_cast<size_t>(i)]);
  }
  RunManifest& manifest = s.manifest();
  manifest.components.push_back({"reranker", "reranker", type,
                                 s.registry().find("reranker", type).version, RunLayout::kReranker,
                                 "", options_pointing_at(options, RunLayout::kReranker)});
  manifest.label_texts = label_texts_toml;
  manifest.decision = decision.to_toml();
  Pipeline& pipeline = s.model().pipeline();
  pipeline.set_reranker(std::move(reranker), label_texts);
  pipeline.set_decision(decision);
}

// Why the stage cannot train a reranker on this run ("" = it can): a multi-label run, or
// labels without descriptions unless [reranker] allow_label_names.
std::string reason_to_skip(const StageRun& s, const LabelTexts& labels,
                           const RerankerHostOptions& host) {
  if (s.data().multi_label)
    return "multi-label run: the reranker reorders the candidates for one label per text, and "
           "a multi-label answer has none to reorder; [reranker] skipped";
  if (labels.without_description.empty()) return "";
  const std::string missing = std::to_string(labels.without_description.size()) + " of " +
                              std::to_string(s.data().labels.size()) +
                              " labels have no description (" +
                              names_list(labels.without_description) + ")";
  if (!host.allow_label_names)
    return missing +
           ": the cross-encoder would score the text against label names alone; stage "
           "skipped. Give descriptions ([data] descriptions = a catalogue, or a description "
           "column) or set [reranker] allow_label_names = true";
  log_warn(kSource, missing + ": scoring against label names ([reranker] allow_label_names)");
  return "";
}

// The plugin reads the recipe's own table (its errors then name recipe positions: a copy
// has none); only a missing `model` makes a copy in `defaulted`, pointing at the run's
// classifier encoder.
const toml::table& reranker_options(const StageRun& s, const toml::table& table,
                                    toml::table& defaulted) {
  if (table.contains("model")) return table;
  defaulted = table;
  defaulted.insert("model", s.layout().encoder().string());
  return defaulted;
}

// The reranker of this run: loaded when the stage is current, else trained; `out` gets
// its training figures.
std::unique_ptr<Reranker> trained_reranker(StageRun& s, const toml::table& options,
                                           const RerankerTrainOptions& o,
                                           const std::vector<std::string>& texts,
                                           nlohmann::json& out) {
  const std::string type = s.tables().plugin_type("reranker");
  if (s.is_current() && out.contains("plugin")) {
    log_info(kSource, "up to date: loading " + s.layout().reranker().string());
    return s.registry().create<Reranker>(type, s.context(s.layout().reranker()), options);
  }
  auto reranker = s.registry().create<Reranker>(type, s.context(), options);
  out = train_reranker(s, *reranker, o, type, texts);
  return reranker;
}

}  // namespace

void run_reranker_stage(StageRun& s) {
  const toml::table* decision_table = s.tables().section("decision");
  DecisionOptions decision = s.decision_options();
  const toml::table* table = s.tables().section("reranker");
  if (table == nullptr) return skip_reranker(s, decision, "");
  const RerankerHostOptions host = RerankerHostOptions::read(*table);
  const LabelTexts labels = label_texts_of(s, decision);
  const std::string skip = reason_to_skip(s, labels, host);
  if (!skip.empty()) return skip_reranker(s, decision, skip);
  const RerankerTrainOptions o =
      RerankerTrainOptions::read(s.tables().section("reranker_train"), s.recipe().run().seed);
  toml::table defaulted;
  const toml::table& options = reranker_options(s, *table, defaulted);
  nlohmann::json out = s.has_metrics() ? s.metrics() : nlohmann::json::object();
  std::unique_ptr<Reranker> reranker = trained_reranker(s, options, o, labels.texts, out);
  auto validation = cascade_examples(s, "validation", s.data().validation, *reranker, labels.texts,
                                     o.candidates, nullptr);
  const bool fixed = decision_table && (decision_table->contains("rerank_tau") ||
                                        decision_table->contains("rerank_weight"));
  choose_cascade(validation, o, fixed, decision, out);
  decision.rerank_candidates = o.candidates;
  measure_cascade(s, *reranker, o, labels.texts, decision, out);
  s.metrics() = out;
  install_reranker(s, std::move(reranker), s.tables().plugin_type("reranker"), options,
                   labels.texts, decision);
  s.finish();
}

}  // namespace rubrika::detail
