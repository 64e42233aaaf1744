// `rubrika train --nproc-per-node 2` end to end on loopback: two workers (Gloo over c10d)
// train the same model as one process with twice the batch; a worker killed with SIGKILL
// stops the run with an error naming it, and --resume continues from the last checkpoint.
#include "test_process.hpp"
#include "word_ads_folder.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

namespace rubrika {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;
using testing::run_process;

const std::string kCli = RUBRIKA_CLI;

class Distributed : public testing::WordAdsFolder {
 protected:
  // A tfidf + linear recipe (no dropout: the workers' arithmetic is the only difference).
  std::string recipe(const std::string& name, int batch, int epochs) const {
    const std::string text =
        "[run]\nname = \"" + name + "\"\noutput_dir = \"" + (dir_ / "runs").string() +
        "\"\nseed = 7\ndevice = \"cpu\"\n\n[run.distributed]\ntimeout_s = 20\n\n[data]\ntrain = "
        "\"" +
        (dir_ / "ads.csv").string() +
        "\"\ntext_fields = [\"title\", \"description\"]\nlabel_field = \"category\"\n\n"
        "[encoder]\ntype = \"tfidf\"\n\n[head]\ntype = \"linear\"\ndropout = "
        "0.0\n\n[train]\nepochs = " +
        std::to_string(epochs) + "\nbatch_size = " + std::to_string(batch) +
        "\nlearning_rate = 0.05\ncheckpoint_every_steps = 5\n\n"
        "[calibrator]\ntype = \"temperature\"\n\n[ood]\ntype = \"msp\"\n\n"
        "[baseline]\nenabled = false\n";
    const fs::path file = dir_ / (name + ".toml");
    std::ofstream(file) << text;
    return file.string();
  }

  nlohmann::json classifier_metrics(const std::string& name) const {
    std::ifstream in(dir_ / "runs" / name / "metrics.json");
    return nlohmann::json::parse(in)["classifier"];
  }
};

TEST_F(Distributed, TwoWorkersTrainTheModelOneProcessTrainsWithTwiceTheBatch) {
  const ProcessResult alone = run_process({kCli, "train", recipe("alone", 16, 3)});
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const ProcessResult two =
      run_process({kCli, "train", recipe("two", 8, 3), "--nproc-per-node", "2", "--master-port",
                   std::to_string(testing::free_loopback_port())});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(two.out, (dir_ / "runs" / "two").string() + "\n") << "rank 0 alone prints the run";
  EXPECT_NE(two.err.find("started worker rank 1"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("(2 workers x 8)"), std::string::npos) << two.err;
  const nlohmann::json a = classifier_metrics("alone"), b = classifier_metrics("two");
  EXPECT_EQ(a["steps"], b["steps"]);
  EXPECT_EQ(a["best_step"], b["best_step"]);
  EXPECT_NEAR(a["test"]["accuracy"].get<double>(), b["test"]["accuracy"].get<double>(), 1e-9);
  EXPECT_NEAR(a["test"]["macro_f1"].get<double>(), b["test"]["macro_f1"].get<double>(), 1e-9);
  EXPECT_NEAR(a["best_validation"]["loss"].get<double>(),
              b["best_validation"]["loss"].get<double>(), 1e-5);
  EXPECT_TRUE(fs::exists(dir_ / "runs" / "two" / "pipeline.toml")) << "rank 0 ran every stage";
  // --force: rank 0 reruns data and vocab, the worker loads them and both train again.
  const ProcessResult again =
      run_process({kCli, "train", recipe("two", 8, 3), "--nproc-per-node", "2", "--force",
                   "--master-port", std::to_string(testing::free_loopback_port())});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NEAR(classifier_metrics("two")["test"]["macro_f1"].get<double>(),
              b["test"]["macro_f1"].get<double>(), 1e-9);
}

// [pretrain] trains with every worker too: each masks its own share of a batch, rank 0 writes
// pretraining/encoder/, and the workers then fine-tune that encoder together.
TEST_F(Distributed, TwoWorkersPretrainTheEncoderThenFineTuneIt) {
  const std::string text =
      "[run]\nname = \"pre\"\noutput_dir = \"" + (dir_ / "runs").string() +
      "\"\nseed = 7\ndevice = \"cpu\"\n\n[run.distributed]\ntimeout_s = 30\n\n[data]\ntrain = \"" +
      (dir_ / "ads.csv").string() +
      "\"\ntext_fields = [\"title\", \"description\"]\nlabel_field = \"category\"\n\n"
      "[encoder]\ntype = \"bert\"\nmax_length = 64\n\n[encoder.init]\nvocab = \"" +
      (fs::path(RUBRIKA_TEST_DATA_DIR) / "hf-tiny-bert" / "vocab.txt").string() +
      "\"\nhidden_size = 32\nnum_hidden_layers = 1\nnum_attention_heads = 2\n"
      "intermediate_size = 64\nmax_position_embeddings = 64\n\n"
      "[pretrain]\nmax_steps = 6\nbatch_size = 8\nlearning_rate = 1e-3\n\n"
      "[head]\ntype = \"linear\"\nfeatures = \"mean\"\n\n[train]\nepochs = 1\nbatch_size = 8\n"
      "\n[baseline]\nenabled = false\n";
  const fs::path file = dir_ / "pre.toml";
  std::ofstream(file) << text;
  const ProcessResult two =
      run_process({kCli, "train", file.string(), "--stages", "classifier", "--nproc-per-node", "2",
                   "--master-port", std::to_string(testing::free_loopback_port())});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.err.find("[pretrain] "), std::string::npos) << two.err;
  const size_t first = two.err.find("(2 workers x 8)");
  ASSERT_NE(first, std::string::npos) << two.err;
  EXPECT_NE(two.err.find("(2 workers x 8)", first + 1), std::string::npos)
      << "the classifier trains with both workers too: " << two.err;
  std::ifstream in(dir_ / "runs" / "pre" / "metrics.json");
  const nlohmann::json m = nlohmann::json::parse(in);
  EXPECT_EQ(m["pretrain"]["steps"], 6);
  EXPECT_TRUE(m["classifier"].contains("test"));
  EXPECT_TRUE(fs::exists(dir_ / "runs" / "pre" / "pretraining" / "encoder" / "config.json"));
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(Distributed, AKilledWorkerStopsTheRunNamingItAndResumeContinues) {
  const std::string file = recipe("killed", 8, 400);
  const std::string port = std::to_string(testing::free_loopback_port());
  const fs::path err = dir_ / "launcher.err";
  const pid_t launcher = ::fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::dup2(fd, 1);
    ::execl(kCli.c_str(), kCli.c_str(), "train", file.c_str(), "--nproc-per-node", "2",
            "--master-port", port.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  // Wait until the workers train, then kill rank 1 as the kernel's OOM killer would.
  const std::regex started(R"(started worker rank 1 \(pid (\d+)\))");
  pid_t victim = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_all(err);
    std::smatch found;
    if (victim == 0 && std::regex_search(text, found, started)) victim = std::stoi(found[1]);
    if (victim != 0 && text.find("[classifier] 10/") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(victim, 0) << read_all(err);
  const auto killed_at = std::chrono::steady_clock::now();
  ::kill(victim, SIGKILL);
  int status = 0;
  ::waitpid(launcher, &status, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  const std::string text = read_all(err);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_NE(WEXITSTATUS(status), 0) << text;
  EXPECT_NE(text.find("worker rank 1 (pid " + std::to_string(victim) + ") was killed by signal 9"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("--resume"), std::string::npos) << text;
  EXPECT_LT(seconds, 20.0 + 10.0) << "the survivors must stop within [run.distributed] timeout_s";
  std::cout << "the run ended " << seconds << " s after the kill\n";

  const ProcessResult resumed = run_process(
      {kCli, "train", file, "--nproc-per-node", "2", "--resume", "--master-port", port});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming at step"), std::string::npos) << resumed.err;
  EXPECT_TRUE(fs::exists(dir_ / "runs" / "killed" / "pipeline.toml"));
}

// Two "hosts" on this machine: network namespaces joined by a veth pair, each running
// one worker of `rubrika train --nnodes 2`. Skipped where namespaces cannot be made.
class TwoHosts : public Distributed {
 protected:
  void SetUp() override {
    Distributed::SetUp();
    const std::string id = std::to_string(::getpid() % 100000);
    hosts_ = {"rbA" + id, "rbB" + id};
    links_ = {"vA" + id, "vB" + id};
    const std::vector<std::string> commands = {
        "ip netns add " + hosts_[0],
        "ip netns add " + hosts_[1],
        "ip link add " + links_[0] + " type veth peer name " + links_[1],
        "ip link set " + links_[0] + " netns " + hosts_[0],
        "ip link set " + links_[1] + " netns " + hosts_[1],
        "ip -n " + hosts_[0] + " addr add 10.77.0.1/24 dev " + links_[0],
        "ip -n " + hosts_[1] + " addr add 10.77.0.2/24 dev " + links_[1],
        "ip -n " + hosts_[0] + " link set " + links_[0] + " up",
        "ip -n " + hosts_[1] + " link set " + links_[1] + " up",
        "ip -n " + hosts_[0] + " link set lo up",
        "ip -n " + hosts_[1] + " link set lo up"};
    for (const auto& command : commands)
      if (std::system((command + " 2>/dev/null").c_str()) != 0) {
        skipped_because_ = "'" + command + "' failed (needs root and network namespaces)";
        return;
      }
  }
  void TearDown() override {
    for (const auto& host : hosts_) std::system(("ip netns del " + host + " 2>/dev/null").c_str());
    Distributed::TearDown();
  }
  std::vector<std::string> hosts_, links_;
  std::string skipped_because_;
};

TEST_F(TwoHosts, OneWorkerOnEachHostTrainsTheModelOfOneProcess) {
  if (!skipped_because_.empty()) GTEST_SKIP() << skipped_because_;
  const ProcessResult alone = run_process({kCli, "train", recipe("alone", 16, 3)});
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const std::string file = recipe("hosts", 8, 3);
  ProcessResult results[2];
  std::vector<std::thread> hosts;
  for (int node = 0; node < 2; ++node)
    hosts.emplace_back([&, node] {
      results[node] = run_process(
          {"/usr/sbin/ip", "netns", "exec", hosts_[node], kCli, "train", file, "--nproc-per-node",
           "1", "--nnodes", "2", "--node-rank", std::to_string(node), "--master-addr", "10.77.0.1",
           "--master-port", "29555"},
          {{"GLOO_SOCKET_IFNAME", links_[node]}});
    });
  for (auto& host : hosts) host.join();
  ASSERT_EQ(results[0].exit_code, 0) << results[0].err;
  ASSERT_EQ(results[1].exit_code, 0) << results[1].err;
  const nlohmann::json a = classifier_metrics("alone"), b = classifier_metrics("hosts");
  EXPECT_EQ(a["steps"], b["steps"]);
  EXPECT_NEAR(a["test"]["macro_f1"].get<double>(), b["test"]["macro_f1"].get<double>(), 1e-9);
  EXPECT_NEAR(a["best_validation"]["loss"].get<double>(),
              b["best_validation"]["loss"].get<double>(), 1e-5);
}

TEST_F(Distributed, BadDistributedOptionsAreNamed) {
  const std::string file = recipe("bad", 8, 1);
  ProcessResult r = run_process({kCli, "train", file, "--set", "run.distributed.backend=\"mpi\""});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("backend"), std::string::npos) << r.err;
  r = run_process({kCli, "train", file},
                  {{"WORLD_SIZE", "2"}, {"RANK", "5"}, {"MASTER_PORT", "1"}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("environment RANK"), std::string::npos) << r.err;
  const std::map<std::string, std::string> worker_0 = {
      {"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "1"}};
  r = run_process({kCli, "train", file, "--set", "run.distributed.backend=\"nccl\""}, worker_0);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("this libtorch has no NCCL"), std::string::npos) << r.err;
  r = run_process({kCli, "train", file, "--set", "run.distributed=5"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("must be a table ([run.distributed])"), std::string::npos) << r.err;
  r = run_process({kCli, "train", file, "--nproc-per-node", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--nproc-per-node"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rubrika
