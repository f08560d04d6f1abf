// rnnopt/meta_train/distributed.h: data-parallel training across processes (and machines) on
// LibTorch's c10d: a TCPStore for the rendezvous (rank 0 hosts it) and a ProcessGroupGloo for the
// all-reduce of gradients. Torch-free interface; the tensor all-reduce is in
// meta_train/internal/distributed_torch.h.
//
//   rnnopt::train::Distributed group({.rank = r, .world_size = 2, .store_port = 29511});
//   std::vector<double> stats{loss_sum, count};
//   group.allreduce_sum(stats);                 // every rank gets the sums
//   std::string config = r == 0 ? text : "";
//   group.share_from_rank0("config", config);   // every rank gets rank 0's text
//
// Every rank must call the same collectives in the same order. A rank that dies makes the others'
// next collective fail with std::runtime_error naming the group and the store (at once when its
// connections close, after at most timeout_seconds when it hangs), so that the run stops and can
// be resumed. After such a failure the group is unusable: every later call throws.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace rnnopt::train {

struct DistributedOptions {
  int rank = 0;
  int world_size = 1;
  std::string store_host = "127.0.0.1";  // rank 0's address (it hosts the TCPStore)
  int store_port = 29511;
  int timeout_seconds = 120;  // for the rendezvous and each collective
  // The address this rank's Gloo connections bind to. "": 127.0.0.1 when store_host is a
  // loopback address (local runs), otherwise the address this machine's host name resolves to.
  std::string bind_host;

  // Requires 1 <= world_size, 0 <= rank < world_size, a non-empty store_host, 1 <= store_port <=
  // 65535 and timeout_seconds >= 1. Throws std::invalid_argument("DistributedOptions::validate():
  // ...").
  void validate() const;
  // "HOST:PORT" of the store (for messages).
  std::string store_address() const;
};

class Distributed {
 public:
  // world_size 1: a no-op group (no store, no sockets). Otherwise connects (rank 0 starts the
  // store and waits for the others); throws std::invalid_argument for bad options and
  // std::runtime_error naming the store's address when the rendezvous fails or times out.
  explicit Distributed(const DistributedOptions& options);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const;
  int world_size() const;
  const DistributedOptions& options() const;
  // Element-wise sum over the ranks, in place (float64). Every rank must pass the same size.
  // Throws std::runtime_error when a rank is gone or the collective times out.
  void allreduce_sum(std::vector<double>& values);
  // Returns when every rank has called it (within options().timeout_seconds, or timeout_seconds
  // when that is longer: the other ranks waiting while rank 0 validates alone). Throws
  // std::runtime_error when a rank is gone or the wait times out. A rank that dies while the
  // others wait in a longer barrier is found by the next collective.
  void barrier(int timeout_seconds = 0);
  // Rank 0's `data` replaces the others' (through the store; any size; `key` names this exchange
  // and must not be reused). Throws std::runtime_error when rank 0 is gone or does not publish it
  // within options().timeout_seconds.
  void share_from_rank0(const std::string& key, std::string& data);

  struct Impl;  // defined with Torch (meta_train/distributed.cpp)
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rnnopt::train
