// BertTokenizer's files: vocab.txt, tokenizer_config.json, special_tokens_map.json.
#include <rubrika/error.hpp>
#include <rubrika/text/bert_tokenizer.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw IoError("cannot read", file.string());
  nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    throw InputError("not a JSON object", file.string(), "the tokenizer files are corrupt");
  return json;
}

// A special token is a string or {"content": "..."}.
void read_token(const nlohmann::json& json, const char* key, std::string& target) {
  if (!json.contains(key) || json[key].is_null()) return;
  const auto& value = json[key];
  if (value.is_string()) target = value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    target = value["content"].get<std::string>();
}

void read_options(const nlohmann::json& json, BertTokenizerOptions& o) {
  if (json.contains("do_lower_case") && json["do_lower_case"].is_boolean())
    o.do_lower_case = json["do_lower_case"];
  if (json.contains("strip_accents")) {
    if (json["strip_accents"].is_boolean()) o.strip_accents = json["strip_accents"].get<bool>();
    if (json["strip_accents"].is_null()) o.strip_accents.reset();
  }
  if (json.contains("tokenize_chinese_chars") && json["tokenize_chinese_chars"].is_boolean())
    o.tokenize_chinese_chars = json["tokenize_chinese_chars"];
  // Hugging Face writes a huge number when the model sets no limit; BERT's is 512.
  if (json.contains("model_max_length") && json["model_max_length"].is_number()) {
    const double value = json["model_max_length"].get<double>();
    if (value > 0 && value < 1e9) o.model_max_length = static_cast<int64_t>(value);
  }
  read_token(json, "unk_token", o.unk_token);
  read_token(json, "sep_token", o.sep_token);
  read_token(json, "pad_token", o.pad_token);
  read_token(json, "cls_token", o.cls_token);
  read_token(json, "mask_token", o.mask_token);
}

std::vector<std::string> read_vocab(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read vocabulary", file.string(), "a BERT folder has vocab.txt");
  std::vector<std::string> vocab;
  std::string line;
  while (std::getline(in, line)) vocab.push_back(line);  // like rstrip("\n"): '\r' stays
  if (vocab.empty()) throw InputError("empty vocabulary", file.string());
  return vocab;
}

}  // namespace

BertTokenizer BertTokenizer::from_folder(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw IoError("tokenizer folder not found", dir.string());
  BertTokenizerOptions options;
  try {
    if (fs::exists(dir / "tokenizer_config.json"))
      read_options(read_json(dir / "tokenizer_config.json"), options);
    if (fs::exists(dir / "special_tokens_map.json"))
      read_options(read_json(dir / "special_tokens_map.json"), options);
    return BertTokenizer(read_vocab(dir / "vocab.txt"), options);
  } catch (const InputError& e) {
    throw InputError(e.problem(), e.where().empty() ? dir.string() : e.where(), e.hint());
  }
}

void BertTokenizer::save(const fs::path& dir) const {
  {
    std::ofstream out(dir / "vocab.txt", std::ios::binary | std::ios::trunc);
    for (const auto& token : vocab_) out << token << "\n";
    if (!out) throw IoError("cannot write vocab.txt", dir.string());
  }
  nlohmann::json specials = {{"unk_token", options_.unk_token},
                             {"sep_token", options_.sep_token},
                             {"pad_token", options_.pad_token},
                             {"cls_token", options_.cls_token},
                             {"mask_token", options_.mask_token}};
  nlohmann::json config = specials;
  config["do_lower_case"] = options_.do_lower_case;
  config["strip_accents"] =
      options_.strip_accents ? nlohmann::json(*options_.strip_accents) : nlohmann::json(nullptr);
  config["tokenize_chinese_chars"] = options_.tokenize_chinese_chars;
  config["model_max_length"] = options_.model_max_length;
  config["tokenizer_class"] = "BertTokenizer";
  std::ofstream(dir / "tokenizer_config.json", std::ios::trunc) << config.dump(2) << "\n";
  std::ofstream(dir / "special_tokens_map.json", std::ios::trunc) << specials.dump(2) << "\n";
}

}  // namespace rubrika
