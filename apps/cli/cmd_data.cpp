// rubrika data synth [--kind ads] --categories FILE --n N --seed S --out FILE
//                    [--ood-out FILE --ood-n N --ood-categories FILE]
// rubrika data synth --kind news --catalogue FILE --n N --seed S --out FILE.jsonl|.csv
//                    [--topics a,b,c] [--ood-out FILE --ood-n N]
// rubrika data report RECIPE [--set section.key=value ...]
#include <iomanip>
#include <iostream>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/dataset.hpp>
#include <rubrika/data/news_synth.hpp>
#include <rubrika/error.hpp>

#include "cli_common.hpp"

namespace po = boost::program_options;

namespace rubrika::cli {

namespace {

int run_news_synth(const std::string& catalogue, const std::string& topics, int64_t n,
                   int64_t ood_n, uint64_t seed, const std::string& out,
                   const std::string& ood_out) {
  NewsSynthRequest request;
  request.catalogue = catalogue;
  request.n = n;
  request.seed = seed;
  request.out = out;
  request.topics = split_commas(topics);
  if (!topics.empty() && request.topics.empty())
    throw InputError("--topics names no topic", "data synth --kind news",
                     "pass --topics политика,экономика,спорт or drop it");
  if (!ood_out.empty()) {
    request.ood_out = ood_out;
    request.ood_n = ood_n;
  }
  const NewsSynthSummary summary = synthesize_news(request);
  std::cout << "wrote " << summary.items << " news items (" << summary.no_topic
            << " without a topic";
  for (size_t i = 0; i < summary.topics.size(); ++i)
    std::cout << ", " << summary.topics[i] << " " << summary.per_topic[i];
  std::cout << ") to " << out;
  if (summary.ood > 0) std::cout << " and " << summary.ood << " non-news rows to " << ood_out;
  std::cout << " in " << std::fixed << std::setprecision(3) << summary.seconds << " s\n";
  return kOk;
}

}  // namespace

int run_data_synth(const std::vector<std::string>& args) {
  const std::string usage =
      "rubrika data synth [--kind ads] --categories FILE --n N --seed S --out FILE "
      "[--ood-out FILE] [--ood-n N] [--ood-categories FILE]\n"
      "rubrika data synth --kind news --catalogue FILE --n N --seed S --out FILE.jsonl|.csv "
      "[--topics a,b,c] [--ood-out FILE] [--ood-n N]";
  std::string kind = "ads", categories, catalogue, topics, out, ood_out, ood_categories;
  int64_t n = 10000, ood_n = 1000;
  uint64_t seed = 42;
  po::options_description options(usage);
  options.add_options()("kind", po::value(&kind)->default_value(kind),
                        "what to generate: ads (classified ads, CSV) or news (topics, JSONL/CSV)")(
      "categories", po::value(&categories),
      "ads: category catalogue, e.g. configs/categories/ads_ru.toml")(
      "catalogue", po::value(&catalogue),
      "news: news catalogue, e.g. configs/categories/news_ru.toml")(
      "topics", po::value(&topics),
      "news: comma-separated topics to label (default: all); items of other topics get no label")(
      "n", po::value(&n)->default_value(n),
      "number of in-domain rows (ads: balanced over categories)")(
      "seed", po::value(&seed)->default_value(seed), "random seed; same seed, same bytes")(
      "out", po::value(&out)->required(),
      "output file; ads: CSV title,description,city,price,category; news: .jsonl or .csv")(
      "ood-out", po::value(&ood_out), "also write out-of-domain rows to this file")(
      "ood-n", po::value(&ood_n)->default_value(ood_n), "number of out-of-domain rows")(
      "ood-categories", po::value(&ood_categories),
      "ads: OOD catalogue (default: ood_ru.toml next to --categories)");
  if (!parse_options(args, usage, options)) return kOk;
  if (kind == "news") {
    if (!categories.empty() || !ood_categories.empty())
      throw InputError("--categories and --ood-categories are for --kind ads", "data synth",
                       "pass --catalogue configs/categories/news_ru.toml (its [[ood]] kinds "
                       "give the OOD rows)");
    return run_news_synth(catalogue, topics, n, ood_n, seed, out, ood_out);
  }
  if (kind != "ads")
    throw InputError("unknown --kind '" + kind + "'", "data synth", "use --kind ads or news");
  if (!catalogue.empty() || !topics.empty())
    throw InputError("--catalogue and --topics are for --kind news", "data synth",
                     "pass --categories FILE for ads, or add --kind news");
  if (categories.empty())
    throw InputError("no category catalogue given", "data synth",
                     "pass --categories configs/categories/ads_ru.toml");
  if (n <= 0)
    throw InputError("--n must be at least 1 (got " + std::to_string(n) + ")", "data synth",
                     "pass --n 10000");
  if (!ood_out.empty() && ood_n <= 0)
    throw InputError("--ood-n must be at least 1 (got " + std::to_string(ood_n) + ")", "data synth",
                     "pass --ood-n 1000, or drop --ood-out");
  SynthRequest request;
  request.categories = categories;
  request.n = static_cast<size_t>(n);
  request.seed = seed;
  request.out = out;
  if (!ood_out.empty()) {
    request.ood_out = ood_out;
    request.ood_n = static_cast<size_t>(ood_n);
    request.ood_categories = ood_categories.empty()
                                 ? std::filesystem::path(categories).parent_path() / "ood_ru.toml"
                                 : std::filesystem::path(ood_categories);
  }
  const SynthSummary summary = synthesize(request);
  std::cout << "wrote " << summary.ads << " ads (" << summary.categories << " categories) to "
            << out;
  if (summary.ood > 0) std::cout << " and " << summary.ood << " out-of-domain rows to " << ood_out;
  std::cout << " in " << std::fixed << std::setprecision(3) << summary.seconds << " s ("
            << std::setprecision(0) << (summary.ads + summary.ood) / std::max(summary.seconds, 1e-9)
            << " rows/s)\n";
  return kOk;
}

int run_data_report(const std::vector<std::string>& args) {
  const std::string usage = "rubrika data report RECIPE [--set section.key=value ...]";
  std::string file;
  std::vector<std::string> overrides;
  po::options_description options(usage);
  options.add_options()("recipe", po::value(&file)->required(), "the recipe file")(
      "set", po::value(&overrides)->composing(), "override one value: section.key=value");
  po::positional_options_description positional;
  positional.add("recipe", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  const Recipe recipe = Recipe::load(file, overrides);
  const toml::table* section = recipe.section("data");
  if (section == nullptr)
    throw RecipeError("the recipe has no [data] section", recipe.file().string(),
                      "add [data] with train = \"...\"");
  const DatasetOptions data = DatasetOptions::from_toml(*section, recipe.run().seed);
  // Counts only: texts are not normalised here, so rows that only the normaliser empties
  // are still counted.
  const Dataset dataset = load_dataset(data);
  std::cout << class_count_report(dataset);
  return kOk;
}

}  // namespace rubrika::cli
