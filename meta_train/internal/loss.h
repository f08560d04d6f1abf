// rnnopt/meta_train/internal/loss.h: the interface of the direct design's losses (private;
// includes torch). A loss is a per-step term, summed over the steps of an episode and averaged
// over the batch (Chen et al. 2017, section 2.1, Eqs. 3-5); the rollout asks each configured loss
// for its term at every step, given that step's context.
//
// Adding a loss: a file internal/losses/NAME_loss.cpp with a class derived from Loss and its
// factory, and one line in the registry table of loss_registry.cpp (the factory's declaration
// and its entry).
//
//   std::unique_ptr<Loss> loss = make_loss("oi");
//   torch::Tensor term = loss->term(context);   // [B], or undefined: nothing this step
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "meta_train/internal/gp_posterior.h"
#include "meta_train/internal/loss_registry.h"

namespace rnnopt::train::internal {

// What a loss sees at step t of an episode (before the step's observation is fed back).
struct LossContext {
  int t = 0;                  // 0-based step
  int horizon = 0;            // T, the episode's length
  torch::Tensor query;        // x_t [B, d], the problem's canonical coordinates, differentiable
  torch::Tensor value;        // f(x_t) [B], differentiable
  torch::Tensor running_min;  // min_{i<t} f(x_i) [B], detached; undefined at t = 0
  // The GP posterior on the observations fed so far (their number: posterior->size(); with the
  // parallel schedule fewer than t); null unless some configured loss needs_posterior().
  GpPosterior* posterior = nullptr;
  // For the posterior's solve cache: t when the schedule is sequential (x_t is the next point
  // added), else -1.
  int query_id = -1;
};

class Loss {
 public:
  virtual ~Loss() = default;
  // Whether term() reads context.posterior.
  virtual bool needs_posterior() const { return false; }
  // The step's term [B] (lower is better), or an undefined tensor when this step contributes
  // nothing.
  virtual torch::Tensor term(const LossContext& context) const = 0;
};

// A new loss of the registered name; throws std::invalid_argument("loss must be sum, oi, ei or
// log_ei, got 'x'") for an unknown one.
std::unique_ptr<Loss> make_loss(const std::string& name);

}  // namespace rnnopt::train::internal
