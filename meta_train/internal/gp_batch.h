// rnnopt/meta_train/internal/gp_batch.h: the training functions of the direct design, batched
// (private; includes torch). The random-Fourier-feature GP samples of functions/gp_sample.h,
// f(x) = sum_m scale w_m cos(omega_m . x + phase_m), held as [B, M, d] tensors and differentiable
// in x, so that the loss's gradient flows through f(x_t) into the network.
//
//   GpBatch gp = make_gp_batch(params, torch::kFloat32, torch::kCPU);   // params: one d
//   torch::Tensor f = gp_value(gp, x);                                  // x [B, d] -> [B]
#pragma once

#include <torch/torch.h>

#include <vector>

#include "functions/gp_sample.h"

namespace rnnopt::train::internal {

struct GpBatch {
  int d = 0;
  torch::Tensor omega;   // [B, M, d]
  torch::Tensor phase;   // [B, M]
  torch::Tensor weight;  // [B, M], scale * weight
  torch::Tensor inv_ls;  // [B, d], 1 / length-scale (for the posterior of the EI losses)
};

// The functions of `params` (one sample each, all of the same M and d) as tensors of `dtype` on
// `device`. Requires params non-empty; throws std::invalid_argument for samples of different
// shapes.
GpBatch make_gp_batch(const std::vector<functions::GpSampleParams>& params, torch::Dtype dtype,
                      torch::Device device);

// f(x) for x [B, d] -> [B], differentiable in x.
torch::Tensor gp_value(const GpBatch& g, const torch::Tensor& x);

}  // namespace rnnopt::train::internal
