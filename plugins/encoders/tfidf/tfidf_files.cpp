// save()/load(): vocab.json + idf.safetensors (format in tfidf_encoder.hpp).
#include "tfidf_encoder.hpp"

#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/io/safetensors.hpp>
#include <rubrika/log.hpp>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace rubrika::tfidf {
namespace {

constexpr const char* kLog = "encoder/tfidf";
constexpr const char* kFormat = "rubrika-tfidf";

json settings_json(const TfidfEncoder::Settings& s) {
  auto range = [](NgramRange r) {
    return r.enabled() ? json::array({r.min_n, r.max_n}) : json::array();
  };
  return {{"word_ngrams", range(s.word_ngrams)}, {"char_ngrams", range(s.char_ngrams)},
          {"max_features", s.max_features},      {"min_df", s.min_df},
          {"sublinear_tf", s.sublinear_tf},      {"lowercase", s.lowercase}};
}

// Reads settings back; a missing or mistyped field is an ArtifactError naming it.
TfidfEncoder::Settings settings_from(const json& j, const std::string& file) {
  auto field = [&](const char* key) -> const json& {
    if (!j.contains(key))
      throw ArtifactError(std::string("missing field settings.") + key, file,
                          "save the encoder again");
    return j[key];
  };
  auto range = [&](const char* key) {
    const json& r = field(key);
    if (!r.is_array() || (r.size() != 0 && r.size() != 2))
      throw ArtifactError(std::string("settings.") + key + " must be [] or [min, max]", file);
    return r.empty() ? NgramRange{0, 0} : NgramRange{r[0].get<int64_t>(), r[1].get<int64_t>()};
  };
  TfidfEncoder::Settings s;
  s.word_ngrams = range("word_ngrams");
  s.char_ngrams = range("char_ngrams");
  s.max_features = field("max_features").get<int64_t>();
  s.min_df = field("min_df").get<int64_t>();
  s.sublinear_tf = field("sublinear_tf").get<bool>();
  s.lowercase = field("lowercase").get<bool>();
  return s;
}

std::vector<std::string> strings_from(const json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || !j[key].is_array())
    throw ArtifactError(std::string("missing array field ") + key, file, "save the encoder again");
  return j[key].get<std::vector<std::string>>();
}

}  // namespace

void TfidfEncoder::save(const fs::path& dir) const {
  if (!fitted())
    throw InputError("the tfidf encoder has no vocabulary to save", dir.string(),
                     "fit it on the training texts first");
  try {
    AtomicDirectory staged(dir);
    const json vocab = {{"format", kFormat},
                        {"format_version", kFormatVersion},
                        {"documents", documents_},
                        {"settings", settings_json(options_.settings)},
                        {"word_features", words_.features},
                        {"char_features", chars_.features}};
    const fs::path vocab_file = staged.path() / "vocab.json";
    std::ofstream out(vocab_file, std::ios::binary);
    out << vocab.dump(1) << '\n';
    out.close();
    if (!out)
      throw IoError("cannot write", vocab_file.string(), "check free disk space and permissions");
    save_safetensors(staged.path() / "idf.safetensors", {{"idf", idf_}},
                     {{"format", kFormat}, {"format_version", std::to_string(kFormatVersion)}});
    staged.commit();
  } catch (...) {
    rethrow_with_context("saving the tfidf encoder to " + dir.string());
  }
}

void TfidfEncoder::load(const fs::path& dir) {
  const fs::path vocab_file = dir / "vocab.json";
  const std::string where = vocab_file.string();
  std::ifstream in(vocab_file, std::ios::binary);
  if (!in) throw IoError("cannot read", where);
  std::stringstream text;
  text << in.rdbuf();
  json vocab = json::parse(text.str(), nullptr, false);
  if (vocab.is_discarded() || !vocab.is_object())
    throw ArtifactError("not a JSON object", where, "save the encoder again");
  try {
    if (vocab.value("format", "") != kFormat)
      throw ArtifactError("not a tfidf vocabulary (format is not \"rubrika-tfidf\")", where);
    const int version = vocab.value("format_version", 0);
    if (version < 1 || version > kFormatVersion)
      throw ArtifactError("format_version " + std::to_string(version) +
                              " is not supported (this build reads 1.." +
                              std::to_string(kFormatVersion) + ")",
                          where, "use a newer rubrika to read this run folder");
    const Settings saved = settings_from(vocab.value("settings", json::object()), where);
    if (!(saved == options_.settings))
      log_warn(kLog,
               "the recipe's [encoder] settings differ from the saved vocabulary's; using the "
               "saved ones (" +
                   where + ")");
    options_.settings = saved;
    normalizer_ = Normalizer(preparation(saved.lowercase));
    documents_ = vocab.value("documents", int64_t{0});
    words_ = {strings_from(vocab, "word_features", where), {}, {}};
    chars_ = {strings_from(vocab, "char_features", where), {}, {}};
  } catch (const nlohmann::json::exception& e) {
    throw ArtifactError(std::string("malformed field: ") + e.what(), where,
                        "save the encoder again");
  }
  const fs::path idf_file = dir / "idf.safetensors";
  const auto tensors = load_safetensors(idf_file);
  const auto it = tensors.find("idf");
  if (it == tensors.end() || it->second.dim() != 1 || it->second.size(0) != hidden_size())
    throw ArtifactError(
        "expected tensor \"idf\" of shape [" + std::to_string(hidden_size()) + "]",
        idf_file.string(),
        "vocab.json and idf.safetensors come from different saves; save the encoder again");
  const at::Tensor idf = it->second.to(at::kDouble).contiguous();
  const double* values = idf.data_ptr<double>();
  words_.idf.assign(values, values + words_.size());
  chars_.idf.assign(values + words_.size(), values + hidden_size());
  words_.build_index();
  chars_.build_index();
  set_idf();
  log_info(kLog, "loaded " + std::to_string(words_.size()) + " word and " +
                     std::to_string(chars_.size()) + " character n-grams from " + dir.string());
}

}  // namespace rubrika::tfidf
