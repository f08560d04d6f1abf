// Data-parallel groups (meta_train/distributed.h) on LibTorch's c10d: rank 0 hosts a TCPStore,
// every rank joins it, and a ProcessGroupGloo (one worker thread, TCP transport) runs the
// collectives. The store also carries rank 0's config and checkpoint to the others
// (share_from_rank0), so that a rank on another machine needs no copy of the run folder.
#include "meta_train/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <csignal>
#include <stdexcept>

#include "meta_train/internal/distributed_torch.h"

namespace rnnopt::train {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The first line of an exception's message (c10 errors carry a backtrace after it).
std::string reason(const std::exception& e) {
  std::string what = e.what();
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) what = c10->what_without_backtrace();
  const auto nl = what.find('\n');
  return nl == std::string::npos ? what : what.substr(0, nl);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

struct Distributed::Impl {
  DistributedOptions options;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  bool broken = false;  // a collective failed: the group's connections are in an unknown state
  std::int64_t long_barriers = 0;  // barriers through the store so far (names their keys)

  std::string where() const {
    return "Distributed (rank " + std::to_string(options.rank) + " of " +
           std::to_string(options.world_size) + ", store " + options.store_address() + "): ";
  }

  void check_usable(const char* what) const {
    if (broken) {
      throw std::runtime_error(where() + what + ": the group failed earlier; restart the run");
    }
  }

  // Runs one collective; any failure (a peer's connection closed, a timeout) becomes a
  // std::runtime_error naming the group, and the group is marked broken.
  template <class F>
  void collective(const char* what, int timeout_seconds, F&& start) {
    check_usable(what);
    try {
      c10::intrusive_ptr<c10d::Work> work = start();
      work->wait();
    } catch (const std::exception& e) {
      broken = true;
      throw std::runtime_error(where() + what +
                               " failed: a rank is gone or did not answer within " +
                               std::to_string(timeout_seconds) + " s (" + reason(e) + ")");
    }
  }
};

void DistributedOptions::validate() const {
  const std::string where = "DistributedOptions::validate(): ";
  if (world_size < 1) {
    throw std::invalid_argument(where + "world_size is " + std::to_string(world_size) +
                                ", must be >= 1");
  }
  if (rank < 0 || rank >= world_size) {
    throw std::invalid_argument(where + "rank " + std::to_string(rank) + " is outside [0, " +
                                std::to_string(world_size) + ")");
  }
  if (store_host.empty()) throw std::invalid_argument(where + "store_host is empty");
  if (store_port < 1 || store_port > 65535) {
    throw std::invalid_argument(where + "store_port " + std::to_string(store_port) +
                                " is outside [1, 65535]");
  }
  if (timeout_seconds < 1) {
    throw std::invalid_argument(where + "timeout_seconds is " + std::to_string(timeout_seconds) +
                                ", must be >= 1");
  }
}

std::string DistributedOptions::store_address() const {
  return store_host + ":" + std::to_string(store_port);
}

Distributed::Distributed(const DistributedOptions& options) : impl_(std::make_unique<Impl>()) {
  options.validate();
  Impl& m = *impl_;
  m.options = options;
  if (options.world_size == 1) return;
  // A peer that is gone must surface as an exception from the collective, not as a SIGPIPE that
  // kills this process silently when a write hits its closed socket.
  // A handler the program installed itself is kept.
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
  const milliseconds timeout = seconds(options.timeout_seconds);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(options.store_port);
    so.isServer = options.rank == 0;
    so.numWorkers = options.world_size;
    so.waitWorkers = true;  // every rank returns only when all have joined
    so.timeout = timeout;
    m.store = c10::make_intrusive<c10d::TCPStore>(options.store_host, so);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        m.where() + "rendezvous failed within " + std::to_string(options.timeout_seconds) + " s: " +
        (options.rank == 0 ? "could not host the store or not every rank joined it"
                           : "could not reach the store (is rank 0 running there?)") +
        " (" + reason(e) + ")");
  }
  try {
    auto go = c10d::ProcessGroupGloo::Options::create(timeout);
    const std::string bind = !options.bind_host.empty()        ? options.bind_host
                             : is_loopback(options.store_host) ? std::string("127.0.0.1")
                                                               : std::string();
    go->devices.push_back(bind.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                       : c10d::ProcessGroupGloo::createDeviceForHostname(bind));
    go->threads = 1;  // one collective at a time
    m.group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(m.store, options.rank, options.world_size, go);
  } catch (const std::exception& e) {
    throw std::runtime_error(m.where() + "Gloo rendezvous failed: " + reason(e));
  }
}

Distributed::~Distributed() {
  // The process group first: its worker thread may still use the store's connection.
  if (impl_) impl_->group.reset();
}

int Distributed::rank() const { return impl_->options.rank; }
int Distributed::world_size() const { return impl_->options.world_size; }
const DistributedOptions& Distributed::options() const { return impl_->options; }

void Distributed::allreduce_sum(std::vector<double>& values) {
  Impl& m = *impl_;
  if (m.options.world_size == 1 || values.empty()) return;
  std::vector<at::Tensor> t{
      torch::from_blob(values.data(), {static_cast<std::int64_t>(values.size())}, torch::kFloat64)};
  m.collective("all-reduce", m.options.timeout_seconds, [&] { return m.group->allreduce(t); });
}

void Distributed::barrier(int timeout_seconds) {
  Impl& m = *impl_;
  if (m.options.world_size == 1) return;
  if (timeout_seconds <= m.options.timeout_seconds) {
    m.collective("barrier", m.options.timeout_seconds, [&] { return m.group->barrier(); });
    return;
  }
  // A longer wait (the others while rank 0 validates alone). Gloo's barrier keeps the group's
  // timeout whatever BarrierOptions say, and a timed-out Gloo context is unusable, so this one
  // counts arrivals in the store: the last to arrive marks the barrier done, the others wait for
  // that mark. A rank that dies while the others wait is found by the next collective (its
  // connections close); rank 0's death closes the store, which ends the others' wait at once.
  m.check_usable("barrier");
  const std::string key = "rnnopt/barrier/" + std::to_string(++m.long_barriers);
  try {
    if (m.store->add(key, 1) == m.options.world_size) m.store->set(key + "/done", {1});
    m.store->wait({key + "/done"}, seconds(timeout_seconds));
  } catch (const std::exception& e) {
    m.broken = true;
    throw std::runtime_error(m.where() +
                             "barrier failed: a rank is gone or did not arrive within " +
                             std::to_string(timeout_seconds) + " s (" + reason(e) + ")");
  }
}

void Distributed::share_from_rank0(const std::string& key, std::string& data) {
  Impl& m = *impl_;
  if (m.options.world_size == 1) return;
  m.check_usable("share_from_rank0");
  const std::string k = "rnnopt/" + key;
  try {
    if (m.options.rank == 0) {
      m.store->set(k, std::vector<std::uint8_t>(data.begin(), data.end()));
    } else {
      const std::vector<std::uint8_t> v = m.store->get(k);
      data.assign(v.begin(), v.end());
    }
  } catch (const std::exception& e) {
    m.broken = true;
    throw std::runtime_error(m.where() + "share_from_rank0(" + key + ") failed within " +
                             std::to_string(m.options.timeout_seconds) +
                             " s: rank 0 is gone or did not publish it (" + reason(e) + ")");
  }
}

void allreduce_sum(Distributed& group, std::vector<torch::Tensor>& tensors) {
  if (group.world_size() == 1 || tensors.empty()) return;
  torch::NoGradGuard guard;
  const auto dtype = tensors.front().scalar_type();
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& t : tensors) {
    if (t.scalar_type() != dtype || !t.device().is_cpu()) {
      throw std::invalid_argument(
          "allreduce_sum(): all tensors must be CPU tensors of one dtype (float32 or float64)");
    }
    flat.push_back(t.reshape({-1}));
  }
  std::vector<at::Tensor> buffer{torch::cat(flat)};
  Distributed::Impl& m = group.impl();
  m.collective("all-reduce", m.options.timeout_seconds, [&] { return m.group->allreduce(buffer); });
  std::int64_t offset = 0;
  for (torch::Tensor& t : tensors) {
    t.copy_(buffer.front().narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace rnnopt::train
