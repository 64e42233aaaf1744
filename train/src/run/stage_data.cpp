// Stage "data": normaliser, files, splits, label map, class counts.
#include "stage_run.hpp"

#include <rubrika/data/dataset.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/text/normalizer.hpp>

namespace rubrika::detail {

namespace {

constexpr const char* kSource = "data";

LabelledTexts to_labelled(DataSplit&& split) {
  LabelledTexts out;
  out.texts = std::move(split.texts);
  out.labels = std::move(split.labels);
  out.multi_hot = std::move(split.multi_hot);
  return out;
}

nlohmann::json counts_json(const Dataset& data) {
  nlohmann::json classes = nlohmann::json::object();
  const auto train = class_counts(data.train, data.labels.size());
  const auto validation = class_counts(data.validation, data.labels.size());
  const auto test = class_counts(data.test, data.labels.size());
  for (int64_t c = 0; c < data.labels.size(); ++c) {
    const auto i = static_cast<size_t>(c);
    classes[data.labels.name(c)] = {
        {"train", train[i]}, {"validation", validation[i]}, {"test", test[i]}};
  }
  return {{"counts",
           {{"train", data.train.size()},
            {"validation", data.validation.size()},
            {"test", data.test.size()},
            {"ood", data.ood_texts.size()}}},
          {"skipped_empty", data.skipped_empty},
          {"multi_label", data.multi_label},
          {"classes", classes}};
}

}  // namespace

// The data stage always runs: it is deterministic and fast, and every later stage needs
// its texts. Its stamp covers what decides those texts.
void run_data_stage(StageRun& s) {
  static const toml::table empty;
  const toml::table* normalizer_table = s.tables().section("normalizer");
  const NormalizerOptions normalizer_options =
      NormalizerOptions::from_toml(normalizer_table ? *normalizer_table : empty);
  auto normalizer = std::make_shared<Normalizer>(normalizer_options);
  DataOutput out;
  out.normalize = [normalizer](std::string_view text) { return normalizer->normalize(text); };
  out.normalizer_options = normalizer_options.to_toml();

  const toml::table* data_table = s.tables().section("data");
  if (data_table == nullptr)
    throw RecipeError("the recipe has no [data] section", s.recipe().file().string(),
                      "add [data] with train = \"path/to/file.csv\"");
  const DatasetOptions options = DatasetOptions::from_toml(*data_table, s.recipe().run().seed);
  Dataset data = load_dataset(options, out.normalize);
  if (data.validation.size() == 0 || data.test.size() == 0)
    throw InputError("the validation or test split is empty", s.recipe().file().string(),
                     "add more data or change [data] split");
  log_info(kSource, "classes and examples:\n" + class_count_report(data));
  s.metrics() = counts_json(data);
  s.manifest().normalizer = out.normalizer_options;
  s.manifest().labels = data.labels.names();
  out.labels = data.labels;
  out.label_descriptions = data.descriptions;
  out.ood_texts = std::move(data.ood_texts);
  out.train = to_labelled(std::move(data.train));
  out.validation = to_labelled(std::move(data.validation));
  out.test = to_labelled(std::move(data.test));
  out.multi_label = data.multi_label;
  s.set_data(std::move(out));
}

}  // namespace rubrika::detail
