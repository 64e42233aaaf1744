#include <rubrika/data/dataset_files.hpp>

#include <rubrika/options_reader.hpp>

#include <filesystem>

namespace rubrika {
namespace {

namespace fs = std::filesystem;

void require_file(const OptionsReader& in, const char* key, const fs::path& file) {
  if (!file.empty() && !fs::is_regular_file(file))
    in.fail(key, "no file at " + file.lexically_normal().string(),
            "check the path; relative paths start at the recipe's folder");
}

// [data.synth]'s catalogues, when it has a file to write.
void check_synth_files(const toml::table& table, const SynthDataOptions& synth, bool writes_ood) {
  const toml::table* synth_table = table.get_as<toml::table>("synth");
  if (synth_table == nullptr) return;
  const OptionsReader in(*synth_table, "data.synth", false);
  require_file(in, "categories", synth.categories);
  if (writes_ood) require_file(in, "ood_categories", synth.ood_categories);
}

// The ads generator writes train and ood in one go: refuse to regenerate one beside the other.
void check_ads_pair(const OptionsReader& in, const DatasetOptions& o) {
  const bool has_train = fs::exists(o.train), has_ood = fs::exists(o.ood);
  if (has_train == has_ood) return;
  const fs::path& missing = has_train ? o.ood : o.train;
  const fs::path& present = has_train ? o.train : o.ood;
  in.fail(has_train ? "ood" : "train",
          "no file at " + missing.lexically_normal().string() +
              ", and [data.synth] writes train and ood together while " +
              present.lexically_normal().string() + " is there",
          "point it at the file you mean, or delete " + present.filename().string() +
              " to generate both anew");
}

}  // namespace

void check_dataset_files(const toml::table& table, const DatasetOptions& o) {
  const OptionsReader in(table, "data", false);
  const bool synth = o.synth.has_value();
  const bool synth_ood = synth && o.synth->ood_n > 0;
  if (!synth) require_file(in, "train", o.train);
  require_file(in, "validation", o.validation);
  require_file(in, "test", o.test);
  if (!synth_ood) require_file(in, "ood", o.ood);
  if (table.contains("descriptions")) require_file(in, "descriptions", o.descriptions);
  if (!synth) return;
  const bool writes_train = !fs::exists(o.train);
  const bool writes_ood = synth_ood && !fs::exists(o.ood);
  if (writes_train || writes_ood) check_synth_files(table, *o.synth, writes_ood);
  if (synth_ood && o.synth->kind == SynthKind::ads) check_ads_pair(in, o);
}

}  // namespace rubrika
