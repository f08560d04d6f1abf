// rnnopt/meta_train/distributed.h: data-parallel training across processes (and machines) on
// LibTorch's c10d: a TCPStore for the rendezvous (rank 0 hosts it) and a ProcessGroupGloo for the
// all-reduce of gradients. Torch-free interface; the tensor all-reduce is in
// meta_train/internal/distributed_torch.h.
//
//   rnnopt::train::Distributed group({.rank = r, .world_size = 2, .store_port = 29511});
//   std::vector<double> stats{loss_sum, count};
//   group.allreduce_sum(stats);                 // every rank gets the sums
//
// A rank that dies makes the others' next collective fail with std::runtime_error naming the
// group (after at most timeout_seconds), so that the run stops and can be resumed.
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

  // Throws std::invalid_argument("DistributedOptions::validate(): ...").
  void validate() const;
};

class Distributed {
 public:
  // world_size 1: a no-op group (no store, no sockets). Otherwise connects; throws
  // std::runtime_error naming the store's address when the rendezvous fails.
  explicit Distributed(const DistributedOptions& options);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const;
  int world_size() const;
  const DistributedOptions& options() const;
  // Element-wise sum over the ranks, in place (float64). Throws std::runtime_error when a rank is
  // gone.
  void allreduce_sum(std::vector<double>& values);
  void barrier();

  struct Impl;  // defined with Torch (meta_train/distributed.cpp)
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rnnopt::train
