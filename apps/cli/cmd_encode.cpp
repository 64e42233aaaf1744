// `rubrika encode`: one JSON line per text with its token ids, CLS and pooled vectors, and
// the logits of the checkpoint's sequence-classification head when it has one.
#include "cli_common.hpp"

#include <rubrika/device.hpp>
#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/checkpoint.hpp>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {

namespace {

constexpr int64_t kBatch = 32;

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read input file", file.string(), "one text per line");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<double> to_vector(const at::Tensor& t) {
  at::Tensor d = t.to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// classifier.weight [labels, hidden] and classifier.bias [labels] of the checkpoint, if any.
std::optional<std::pair<at::Tensor, at::Tensor>> read_classifier(const fs::path& dir) {
  const auto tensors = read_checkpoint(find_weights_file(dir));
  auto w = tensors.find("classifier.weight"), b = tensors.find("classifier.bias");
  if (w == tensors.end() || b == tensors.end()) return std::nullopt;
  return std::make_pair(w->second.to(at::kFloat), b->second.to(at::kFloat));
}

}  // namespace

int run_encode(const std::vector<std::string>& args) {
  std::string model, pair, input, device = "cpu";
  int64_t max_length = 0;
  std::vector<std::string> texts;
  po::options_description options("encode options");
  options.add_options()("model", po::value(&model)->required(), "Hugging Face BERT folder")(
      "pair", po::value(&pair), "second text of every pair (e.g. \"Категория: Транспорт\")")(
      "max-length", po::value(&max_length), "tokens per text, specials included (default 512)")(
      "input", po::value(&input), "file with one text per line")(
      "device", po::value(&device)->default_value("cpu"), "auto|cpu|cuda|cuda:N")(
      "text", po::value(&texts), "texts to encode");
  po::positional_options_description positional;
  positional.add("text", -1);
  const std::string usage =
      "rubrika encode --model DIR [--pair TEXT_B] [--max-length N] (--input FILE | [--] TEXT...)";
  auto values = parse_options(args, usage, options, positional);
  if (!values) return kOk;
  if (!input.empty()) {
    if (!texts.empty())
      throw UsageError("give --input FILE or texts, not both (usage: " + usage + ")");
    texts = read_lines(input);
  }
  if (texts.empty()) throw UsageError("no texts to encode (usage: " + usage + ")");

  PluginContext context;
  context.device = resolve_device(device);
  toml::table table{{"model", fs::absolute(model).string()}};
  if (max_length > 0) table.insert("max_length", max_length);
  auto encoder = registry_for(nullptr).create<Encoder>("bert", context, table);
  auto classifier = read_classifier(model);

  c10::InferenceMode guard;
  for (size_t start = 0; start < texts.size(); start += kBatch) {
    std::vector<std::string> chunk(texts.begin() + start,
                                   texts.begin() + std::min(texts.size(), start + kBatch));
    std::vector<std::string> pairs(chunk.size(), pair);
    TokenBatch batch = encoder->tokenize(chunk, values->count("pair") ? &pairs : nullptr);
    EncoderOutput out = encoder->forward(batch);
    at::Tensor logits;
    if (classifier)
      logits = at::linear(out.pooled.cpu(), classifier->first, classifier->second);  // [b, labels]
    for (int64_t i = 0; i < batch.size(); ++i) {
      const int64_t n = batch.attention_mask[i].sum().item<int64_t>();
      nlohmann::ordered_json line;  // keys in the documented order
      line["input_ids"] = to_vector(batch.input_ids[i].narrow(0, 0, n));
      for (auto& id : line["input_ids"]) id = static_cast<int64_t>(id.get<double>());
      line["cls"] = to_vector(out.cls[i]);
      line["pooled"] = to_vector(out.pooled[i]);
      if (classifier) line["logits"] = to_vector(logits[i]);
      std::cout << line.dump() << "\n";
    }
  }
  return kOk;
}

}  // namespace rubrika::cli
