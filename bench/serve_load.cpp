// rubrika_serve_load: a small load generator for `rubrika serve`.
//
//   rubrika_serve_load --port P [--host 127.0.0.1] [--concurrency 8] [--duration 10]
//                      [--warmup 2] [--texts-per-request 1] [--max-texts-per-request K]
//                      [--input texts.txt] [--max-requests N] [--rate R]
//                      [--rerank "label 1,label 2"] [--probe-healthz MS]
//
// N client threads, each with one keep-alive connection, send POST /v1/classify for the
// duration (after an unmeasured warm-up) and record each latency.
//   closed loop (default): each thread sends its next request when the last is answered;
//   open loop (--rate R): request i is due at i/R s, whatever the answers; a thread takes
//     the next due request, and its latency counts from when it was due, so a generator
//     that falls behind shows up as latency instead of hiding it.
// --max-texts-per-request K: each request holds a random count of texts in
// [texts-per-request, K] (mixed sizes). --rerank LABELS: POST /v1/rerank with those
// candidates instead. --probe-healthz MS: one more connection GETs /healthz every MS ms.
// Prints one line: requests answered 200, texts/s, requests/s, p50/p95/p99 of the 200s in
// ms, the count of every other status (-1: no answer), and the /healthz latencies.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string host = "127.0.0.1";
  int port = 0;
  int concurrency = 8;
  double duration_s = 10;
  double warmup_s = 2;
  int texts_per_request = 1;
  std::string input;
  long max_requests = 10'000'000;  // a bound even with a long duration
  int max_texts_per_request = 0;   // 0: always texts_per_request
  double rate = 0;                 // requests/s; 0: closed loop
  std::string rerank_candidates;   // comma-separated label names; empty: classify
  int probe_healthz_ms = 0;        // 0: no probe
};

// Varied lengths, like real ads: a few words to a paragraph.
const std::vector<std::string>& default_texts() {
  static const std::vector<std::string> texts = {
      "Продам велосипед",
      "Сдаю однокомнатную квартиру у метро, без животных",
      "Требуется водитель категории C, график 2/2, оплата еженедельно",
      "Продаю iPhone 13, 128 ГБ, в отличном состоянии, полный комплект, торг уместен",
      "Ищу работу бухгалтером, опыт 10 лет, 1С, отчётность, удалённо или в офисе в центре города",
      "Продам зимние шины R16, комплект из четырёх штук, пробег один сезон, хранились в тёплом "
      "гараже, "
      "самовывоз из северного района, звоните после шести вечера",
      "Отдам котёнка в добрые руки",
      "Ремонт квартир под ключ: электрика, сантехника, плитка, гарантия на работы два года, выезд "
      "мастера на замер бесплатно, работаем по договору, скидки пенсионерам",
  };
  return texts;
}

std::vector<std::string> load_texts(const std::string& file) {
  if (file.empty()) return default_texts();
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file);
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) texts.push_back(line);
  if (texts.empty()) throw std::runtime_error(file + " has no texts");
  return texts;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value for " + name);
    const std::string value = argv[++i];
    if (name == "--host")
      args.host = value;
    else if (name == "--port")
      args.port = std::stoi(value);
    else if (name == "--concurrency")
      args.concurrency = std::stoi(value);
    else if (name == "--duration")
      args.duration_s = std::stod(value);
    else if (name == "--warmup")
      args.warmup_s = std::stod(value);
    else if (name == "--texts-per-request")
      args.texts_per_request = std::stoi(value);
    else if (name == "--input")
      args.input = value;
    else if (name == "--max-requests")
      args.max_requests = std::stol(value);
    else if (name == "--max-texts-per-request")
      args.max_texts_per_request = std::stoi(value);
    else if (name == "--rate")
      args.rate = std::stod(value);
    else if (name == "--rerank")
      args.rerank_candidates = value;
    else if (name == "--probe-healthz")
      args.probe_healthz_ms = std::stoi(value);
    else
      throw std::runtime_error("unknown option " + name);
  }
  if (args.port <= 0) throw std::runtime_error("--port is required");
  if (args.concurrency < 1 || args.texts_per_request < 1)
    throw std::runtime_error("counts must be ≥ 1");
  if (args.max_texts_per_request != 0 && args.max_texts_per_request < args.texts_per_request)
    throw std::runtime_error("--max-texts-per-request must be ≥ --texts-per-request");
  if (args.rate < 0 || args.probe_healthz_ms < 0) throw std::runtime_error("rates must be ≥ 0");
  return args;
}

// The JSON array of the comma-separated label names.
std::string candidates_json(const std::string& labels) {
  std::string out = "[";
  size_t start = 0;
  while (start <= labels.size()) {
    const size_t comma = std::min(labels.find(',', start), labels.size());
    out += (out.size() > 1 ? ", " : "") + json_string(labels.substr(start, comma - start));
    start = comma + 1;
  }
  return out + "]";
}

// Latencies of GET /healthz on one keep-alive connection every `every_ms`, until `stop_at`.
std::vector<double> probe_healthz(const Args& args, Clock::time_point measure_from,
                                  Clock::time_point stop_at, long& failures) {
  httplib::Client client(args.host, args.port);
  client.set_keep_alive(true);
  client.set_read_timeout(std::chrono::seconds(10));
  std::vector<double> latencies;
  while (Clock::now() < stop_at) {
    const auto begin = Clock::now();
    auto result = client.Get("/healthz");
    const auto end = Clock::now();
    if (begin >= measure_from) {
      if (result && result->status == 200)
        latencies.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
      else
        ++failures;
    }
    std::this_thread::sleep_until(begin + std::chrono::milliseconds(args.probe_healthz_ms));
  }
  return latencies;
}

double percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const auto index = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

// What one run shares between its client threads, and what they measured.
struct LoadRun {
  LoadRun(const Args& load_args, std::vector<std::string> load_texts)
      : args(load_args),
        texts(std::move(load_texts)),
        start(Clock::now()),
        measure_from(start + seconds(args.warmup_s)),
        stop_at(measure_from + seconds(args.duration_s)),
        path(args.rerank_candidates.empty() ? "/v1/classify" : "/v1/rerank"),
        candidates(candidates_json(args.rerank_candidates)) {}

  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
  // Open loop: when request `index` is due.
  Clock::time_point due(long index) const {
    return start + seconds(static_cast<double>(index) / args.rate);
  }
  std::string body(size_t& next, std::minstd_rand& random) const;
  void client_loop(int c);
  void print() const;

  const Args& args;
  const std::vector<std::string> texts;
  const Clock::time_point start, measure_from, stop_at;
  const std::string path, candidates;
  std::atomic<long> sent{0};
  std::mutex mutex;
  std::vector<double> latencies_ms;  // of the 200s answered inside the window
  std::map<int, long> errors;        // status (-1: connection failure) → count
  std::vector<double> healthz_ms;
  long healthz_failures = 0;
};

std::string LoadRun::body(size_t& next, std::minstd_rand& random) const {
  if (!args.rerank_candidates.empty())
    return "{\"text\": " + json_string(texts[next++ % texts.size()]) +
           ", \"candidates\": " + candidates + "}";
  int count = args.texts_per_request;
  if (args.max_texts_per_request > count)
    count +=
        static_cast<int>(random() % static_cast<unsigned>(args.max_texts_per_request - count + 1));
  std::string out = "{\"texts\": [";
  for (int k = 0; k < count; ++k)
    out += (k ? ", " : "") + json_string(texts[next++ % texts.size()]);
  return out + "]}";
}

void LoadRun::client_loop(int c) {
  httplib::Client client(args.host, args.port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(std::chrono::seconds(60));
  std::vector<double> mine;
  std::map<int, long> my_errors;
  size_t next = static_cast<size_t>(c);
  std::minstd_rand random(static_cast<unsigned>(c) + 1);
  for (;;) {
    const long index = sent.fetch_add(1);
    if (index >= args.max_requests) break;
    if (args.rate > 0) std::this_thread::sleep_until(due(index));
    if (Clock::now() >= stop_at) break;
    const std::string request = body(next, random);
    const auto begin = args.rate > 0 ? due(index) : Clock::now();
    auto result = client.Post(path, request, "application/json");
    const auto end = Clock::now();
    // Measured: requests completed inside the window (throughput = completions / window).
    if (end < measure_from || end > stop_at) continue;
    if (!result || result->status != 200) {
      ++my_errors[result ? result->status : -1];
      continue;
    }
    mine.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
  }
  std::lock_guard<std::mutex> lock(mutex);
  latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
  for (const auto& [status, count] : my_errors) errors[status] += count;
}

void LoadRun::print() const {
  std::vector<double> sorted = latencies_ms, health = healthz_ms;
  std::sort(sorted.begin(), sorted.end());
  std::sort(health.begin(), health.end());
  const double window = args.duration_s;
  const auto ok = static_cast<double>(sorted.size());
  // Mixed sizes: the mean count of the uniform draw.
  const double mean_texts = args.max_texts_per_request > args.texts_per_request
                                ? (args.texts_per_request + args.max_texts_per_request) / 2.0
                                : args.texts_per_request;
  std::printf(
      "concurrency=%d rate=%.0f texts_per_request=%d duration_s=%.1f requests=%zu rps=%.1f "
      "texts_per_s=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f errors=",
      args.concurrency, args.rate, args.texts_per_request, window, sorted.size(), ok / window,
      ok * mean_texts / window, percentile(sorted, 0.50), percentile(sorted, 0.95),
      percentile(sorted, 0.99));
  if (errors.empty()) std::printf("0");
  for (const auto& [status, count] : errors)
    std::printf("%s%d:%ld", status == errors.begin()->first ? "" : ",", status, count);
  if (args.probe_healthz_ms > 0)
    std::printf(" healthz_p50_ms=%.2f healthz_p99_ms=%.2f healthz_max_ms=%.2f healthz_failed=%ld",
                percentile(health, 0.50), percentile(health, 0.99),
                health.empty() ? 0.0 : health.back(), healthz_failures);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::vector<std::string> texts;
  try {
    args = parse_args(argc, argv);
    texts = load_texts(args.input);
  } catch (const std::exception& e) {
    std::cerr << "rubrika_serve_load: " << e.what()
              << "\nusage: rubrika_serve_load --port P [--host H] [--concurrency N] [--duration S]"
                 " [--warmup S] [--texts-per-request K] [--max-texts-per-request K2] [--input FILE]"
                 " [--max-requests N] [--rate R] [--rerank LABELS] [--probe-healthz MS]\n";
    return 2;
  }
  LoadRun run(args, std::move(texts));
  std::thread prober;
  if (args.probe_healthz_ms > 0)
    prober = std::thread([&] {
      run.healthz_ms = probe_healthz(args, run.measure_from, run.stop_at, run.healthz_failures);
    });
  std::vector<std::thread> clients;
  for (int c = 0; c < args.concurrency; ++c)
    clients.emplace_back([&run, c] { run.client_loop(c); });
  for (auto& client : clients) client.join();
  if (prober.joinable()) prober.join();
  run.print();
  return run.latencies_ms.empty() ? 1 : 0;
}
