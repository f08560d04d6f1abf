// rnnopt/meta_train/internal/distributed_torch.h: the Torch side of meta_train/distributed.h.
// Included only by Torch translation units of meta_train/.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "meta_train/distributed.h"

namespace rnnopt::train {

// Sums each tensor over the ranks, in place (float32 or float64, contiguous CPU tensors; one
// flattened all-reduce for all of them). A no-op for world_size 1. Throws std::runtime_error when
// a rank is gone.
void allreduce_sum(Distributed& group, std::vector<torch::Tensor>& tensors);

}  // namespace rnnopt::train
