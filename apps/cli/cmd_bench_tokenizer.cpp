// rubrika bench tokenizer (--model DIR | --vocab FILE) [--texts N] [--threads N]
//                         [--categories FILE]
// Tokenizes a realistic synthetic ads corpus (title. description, from the catalogue) on
// one thread and on N threads and prints texts/s and MB/s with the machine and settings.
#include "cli_common.hpp"

#include <rubrika/data/ads_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/runtime.hpp>
#include <rubrika/text/bert_tokenizer.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// Seconds to tokenize `texts` split over `threads` threads; `tokens` gets the total.
double time_tokenize(const BertTokenizer& tokenizer, const std::vector<std::string>& texts,
                     int threads, int64_t& tokens) {
  std::vector<int64_t> counts(static_cast<size_t>(threads), 0);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < texts.size(); i += static_cast<size_t>(threads))
        counts[static_cast<size_t>(t)] +=
            static_cast<int64_t>(tokenizer.encode(texts[i], nullptr, 512).size());
    });
  for (auto& w : workers) w.join();
  tokens = 0;
  for (auto c : counts) tokens += c;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int run_bench_tokenizer(const std::vector<std::string>& args) {
  std::string model, vocab, categories = "configs/categories/ads_ru.toml";
  int64_t count = 100000;
  int threads = usable_cores();
  const std::string usage =
      "rubrika bench tokenizer (--model DIR | --vocab FILE) [--texts N] [--threads N]";
  po::options_description options(usage);
  options.add_options()("model", po::value(&model),
                        "folder with vocab.txt (+ tokenizer_config.json)")(
      "vocab", po::value(&vocab), "a vocab.txt (cased)")(
      "texts", po::value(&count)->default_value(100000), "synthetic ads to tokenize")(
      "threads", po::value(&threads)->default_value(usable_cores()),
      "threads for the parallel run")("categories",
                                      po::value(&categories)->default_value(categories),
                                      "ads catalogue for the corpus");
  if (!parse_options(args, usage, options)) return kOk;
  if (model.empty() == vocab.empty())
    throw UsageError("give exactly one of --model DIR or --vocab FILE");
  if (count <= 0 || threads <= 0) throw UsageError("--texts and --threads must be positive");
  BertTokenizer tokenizer = [&] {
    if (!model.empty()) return BertTokenizer::from_folder(model);
    std::ifstream in(vocab);
    if (!in) throw IoError("cannot read vocabulary", vocab);
    std::vector<std::string> tokens;
    for (std::string line; std::getline(in, line);) tokens.push_back(line);
    return BertTokenizer(tokens, BertTokenizerOptions{});
  }();
  const auto ads = generate_ads(SynthCatalogue::load(categories), static_cast<size_t>(count), 42);
  std::vector<std::string> texts;
  double bytes = 0;
  for (const auto& ad : ads) {
    texts.push_back(ad.title + ". " + ad.description);
    bytes += static_cast<double>(texts.back().size());
  }
  std::cout << "machine: " << cpu_model() << ", " << usable_cores() << " usable cores\n"
            << "settings: " << texts.size() << " synthetic ads (" << bytes / 1e6
            << " MB UTF-8), vocabulary " << tokenizer.vocab_size() << " tokens, lowercase "
            << (tokenizer.options().do_lower_case ? "yes" : "no") << ", max_length 512\n";
  for (int t : {1, threads}) {
    int64_t tokens = 0;
    const double seconds = time_tokenize(tokenizer, texts, t, tokens);
    std::cout << t
              << " thread(s): " << static_cast<int64_t>(static_cast<double>(texts.size()) / seconds)
              << " texts/s, " << bytes / 1e6 / seconds << " MB/s, "
              << static_cast<int64_t>(static_cast<double>(tokens) / seconds) << " tokens/s ("
              << seconds << " s)\n";
    if (threads == 1) break;
  }
  return kOk;
}

}  // namespace rubrika::cli
