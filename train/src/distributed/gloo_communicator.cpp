// The Gloo communicator over libtorch's c10d. USE_C10D_GLOO (set for this file only) opens
// the c10d Gloo header, whose code libtorch_cpu already carries.
#include <rubrika/error.hpp>
#include <rubrika/train/communicator.hpp>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <ATen/ATen.h>

#include <cstdlib>

namespace rubrika {

Communicator::~Communicator() = default;

namespace {

// The network interface this worker's Gloo connections use, as PyTorch chooses it:
// GLOO_SOCKET_IFNAME when set; loopback when the run is on this machine (MASTER_ADDR
// 127.x / localhost); otherwise the address this machine's host name resolves to.
std::shared_ptr<gloo::transport::Device> local_device(const WorldPlacement& placement) {
  if (const char* name = std::getenv("GLOO_SOCKET_IFNAME"); name != nullptr && *name != '\0')
    return c10d::ProcessGroupGloo::createDeviceForInterface(name);
  const std::string& master = placement.master_addr;
  if (master == "localhost" || master.rfind("127.", 0) == 0)
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

class GlooCommunicator : public Communicator {
 public:
  GlooCommunicator(const WorldPlacement& placement, std::chrono::milliseconds timeout)
      : placement_(placement) {
    try {
      c10d::TCPStoreOptions store;
      store.port = static_cast<std::uint16_t>(placement.master_port);
      store.isServer = placement.rank == 0;
      store.numWorkers = placement.world_size;
      store.waitWorkers = false;
      store.timeout = timeout;
      auto tcp = c10::make_intrusive<c10d::TCPStore>(placement.master_addr, store);
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(local_device(placement));
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(tcp, placement.rank,
                                                           placement.world_size, options);
    } catch (const std::exception& e) {
      fail("joining the process group at " + placement.master_addr + ":" +
               std::to_string(placement.master_port),
           e);
    }
  }

  int rank() const override { return placement_.rank; }
  int world_size() const override { return placement_.world_size; }

  // One bucket: the tensors flattened into one buffer, one all-reduce, copied back.
  void average(std::vector<at::Tensor>& tensors) override {
    if (tensors.empty()) return;
    std::vector<at::Tensor> flat;
    flat.reserve(tensors.size());
    for (const auto& t : tensors) flat.push_back(t.reshape({-1}));
    std::vector<at::Tensor> bucket{at::cat(flat)};
    run("averaging " + std::to_string(tensors.size()) + " tensors",
        [&] { return group_->allreduce(bucket); });
    bucket[0].div_(placement_.world_size);
    int64_t offset = 0;
    for (auto& t : tensors) {
      t.copy_(bucket[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }

  void broadcast(at::Tensor& tensor) override {
    std::vector<at::Tensor> one{tensor};
    run("broadcasting from rank 0", [&] { return group_->broadcast(one); });
  }

  void barrier() override {
    run("waiting for the other workers", [&] { return group_->barrier(); });
  }

 private:
  template <class Start>
  void run(const std::string& what, Start start) {
    try {
      start()->wait();
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }

  [[noreturn]] void fail(const std::string& what, const std::exception& e) const {
    std::string reason = e.what();
    if (const auto eol = reason.find('\n'); eol != std::string::npos) reason.resize(eol);
    throw Error(what + " failed: " + reason,
                "worker rank " + std::to_string(placement_.rank) + " of " +
                    std::to_string(placement_.world_size),
                "another worker died or stopped answering; its log names the cause");
  }

  WorldPlacement placement_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::unique_ptr<Communicator> connect_gloo(const WorldPlacement& placement,
                                           std::chrono::milliseconds timeout) {
  return std::make_unique<GlooCommunicator>(placement, timeout);
}

}  // namespace rubrika
