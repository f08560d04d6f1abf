// Data-parallel groups (meta_train/distributed.h). This first version supports world_size 1 only;
// the Gloo implementation replaces it.
#include "meta_train/distributed.h"

#include <stdexcept>

#include "meta_train/internal/distributed_torch.h"

namespace rnnopt::train {

struct Distributed::Impl {
  DistributedOptions options;
};

void DistributedOptions::validate() const {
  if (world_size < 1) throw std::invalid_argument("DistributedOptions::validate(): world_size < 1");
  if (rank < 0 || rank >= world_size) {
    throw std::invalid_argument("DistributedOptions::validate(): rank must be in [0, world_size)");
  }
}

Distributed::Distributed(const DistributedOptions& options) : impl_(std::make_unique<Impl>()) {
  options.validate();
  if (options.world_size > 1) {
    throw std::runtime_error("Distributed: world_size > 1 is not built yet");
  }
  impl_->options = options;
}

Distributed::~Distributed() = default;
int Distributed::rank() const { return impl_->options.rank; }
int Distributed::world_size() const { return impl_->options.world_size; }
const DistributedOptions& Distributed::options() const { return impl_->options; }
void Distributed::allreduce_sum(std::vector<double>&) {}
void Distributed::barrier() {}

void allreduce_sum(Distributed&, std::vector<torch::Tensor>&) {}

}  // namespace rnnopt::train
