// rnnopt/meta_train/internal/gp_posterior.h: the GP posterior of the direct design's EI losses
// (private; includes torch). Batched over B functions, with the prior's known kernel, variance and
// each function's length-scales, noise-free observations added one at a time through an
// incremental Cholesky factor (Chen et al. 2017, section 2.2), differentiable in the query and in
// every observation (section 2.1, Eq. 4).
//
//   GpPosterior gp(KernelKind::kRbf, 1.0, inv_ls /* [B, d] */, 1e-4);
//   gp.add(x0, y0, -1);                                  // x [B, d], y [B]
//   torch::Tensor ei = gp.expected_improvement(x, -1);   // [B], over min(y)
#pragma once

#include <torch/torch.h>

#include <utility>

#include "core/kernel.h"

namespace rnnopt::train::internal {

class GpPosterior {
 public:
  // inv_ls [B, d]: 1 / length-scale per function and dimension. The kernel matrix's diagonal is
  // variance * (1 + jitter).
  GpPosterior(KernelKind kernel, double variance, torch::Tensor inv_ls, double jitter);

  // Observations added so far.
  int size() const { return n_; }

  // k(X_i, x) for the stored points X [B, n, d] and x [B, d] -> [B, n].
  torch::Tensor cross_kernel(const torch::Tensor& x) const;

  // Expected improvement over the best observation at x [B, d] -> [B]; requires size() >= 1.
  // With query_id >= 0 the solve is cached for a later add() of the same point.
  torch::Tensor expected_improvement(const torch::Tensor& x, int query_id);

  // log EI at x [B, d] -> [B], accurate where EI itself underflows; requires size() >= 1.
  torch::Tensor log_expected_improvement(const torch::Tensor& x, int query_id);

  // The posterior mean and variance of the latent function at x [B, d] -> ([B], [B]).
  std::pair<torch::Tensor, torch::Tensor> mean_and_variance(const torch::Tensor& x) const;

  // Adds the observation (x [B, d], y [B]); query_id as given to expected_improvement() when x is
  // the point it was asked about (its solve is then reused), else -1.
  void add(const torch::Tensor& x, const torch::Tensor& y, int query_id);

 private:
  // (best - mu(x), sigma(x)), [B] each; with query_id >= 0 the solve is cached for add().
  std::pair<torch::Tensor, torch::Tensor> improvement_and_sigma(const torch::Tensor& x,
                                                                int query_id);
  // v = L^{-1} k(X, x), [B, n].
  torch::Tensor solve(const torch::Tensor& x) const;

  KernelKind kernel_;
  double variance_;
  torch::Tensor inv_ls_;
  double jitter_;
  int n_ = 0;
  torch::Tensor l_, alpha_, x_obs_, best_;
  int cached_id_ = -1, cached_n_ = -1;
  torch::Tensor cached_v_;
};

}  // namespace rnnopt::train::internal
