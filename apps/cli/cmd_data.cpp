// rubrika data synth --categories FILE --n N --seed S --out FILE
//                    [--ood-out FILE --ood-n N --ood-categories FILE]
// rubrika data report RECIPE [--set section.key=value ...]
#include <iomanip>
#include <iostream>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/dataset.hpp>
#include <rubrika/error.hpp>

#include "cli_common.hpp"

namespace po = boost::program_options;

namespace rubrika::cli {

int run_data_synth(const std::vector<std::string>& args) {
  const std::string usage =
      "rubrika data synth --categories FILE --n N --seed S --out FILE "
      "[--ood-out FILE] [--ood-n N] [--ood-categories FILE]";
  std::string categories, out, ood_out, ood_categories;
  size_t n = 10000, ood_n = 1000;
  uint64_t seed = 42;
  po::options_description options(usage);
  options.add_options()("categories", po::value(&categories)->required(),
                        "category catalogue, e.g. configs/categories/ads_ru.toml")(
      "n", po::value(&n)->default_value(n), "number of in-domain ads (balanced over categories)")(
      "seed", po::value(&seed)->default_value(seed), "random seed; same seed, same bytes")(
      "out", po::value(&out)->required(), "output CSV: title,description,city,price,category")(
      "ood-out", po::value(&ood_out), "also write out-of-domain rows to this CSV")(
      "ood-n", po::value(&ood_n)->default_value(ood_n), "number of out-of-domain rows")(
      "ood-categories", po::value(&ood_categories),
      "OOD catalogue (default: ood_ru.toml next to --categories)");
  if (!parse_options(args, usage, options)) return kOk;
  SynthRequest request;
  request.categories = categories;
  request.n = n;
  request.seed = seed;
  request.out = out;
  if (!ood_out.empty()) {
    request.ood_out = ood_out;
    request.ood_n = ood_n;
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
