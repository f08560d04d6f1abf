// rnnopt/meta_train/internal/rollout.h: running the direct design's network on functions
// (private; includes torch). run_episode rolls it out on a batch of GP functions and accumulates
// the configured losses (training and validation); Stepper runs it on one function, one
// observation at a time from the caller, as the engine does (the golden trace, the parity tests).
//
//   EpisodeResult r = run_episode(net, gp, feed, options, &timing);
//   r.loss.backward();
//
//   Stepper s(net, /*d=*/2, /*horizon=*/100, /*eps=*/1e-6, /*running=*/true);
//   std::vector<double> x = s.propose();
//   s.observe(x, f(x));
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "meta_train/internal/feed_state.h"
#include "meta_train/internal/gp_batch.h"
#include "meta_train/internal/loss.h"
#include "meta_train/internal/torch_net.h"
#include "meta_train/trainer.h"

namespace rnnopt::train::internal {

// A loss with its weight in the episode's total.
struct WeightedLoss {
  std::shared_ptr<const Loss> loss;
  double weight = 1.0;
};

struct EpisodeOptions {
  int horizon = 10;
  double budget_horizon = 10.0;      // the denominator of the budget feature
  std::vector<WeightedLoss> losses;  // empty: no loss (validation)
  double clip_penalty = 1.0;         // weight of sum relu(|o| - 1) with the "clip" output map
  bool running_normalisation = true;
  double y_eps = 1e-6;
  // The GP posterior of the losses that need one.
  KernelKind kernel = KernelKind::kRbf;
  double variance = 1.0;
  double ei_jitter = 1e-4;
};

struct EpisodeResult {
  torch::Tensor loss;    // scalar, mean over the batch of the summed loss; undefined without losses
  torch::Tensor best_f;  // [B], min_t f(x_t), detached
};

// Rolls the network out on the batch `gp` for options.horizon steps (MODEL_FORMAT.md sections 3,
// 4 and 6): feed[b][t] is the query whose observation function b is fed at step t (-1: a dummy,
// internal/completion_schedule.h). Sets timing->gp_eval and timing->loss when timing is given.
EpisodeResult run_episode(const Net& net, const GpBatch& gp,
                          const std::vector<std::vector<int>>& feed, const EpisodeOptions& options,
                          StepTiming* timing);

// A single sequential rollout with double-precision values, on the CPU, without gradients: the
// engine's path (MODEL_FORMAT.md section 5).
class Stepper {
 public:
  // horizon: the budget feature's denominator. `net` must outlive the stepper.
  Stepper(const Net& net, int d, double horizon, double eps, bool running);

  // The next canonical query (d entries).
  std::vector<double> propose();
  // Feeds the observation (x: d entries, y its value).
  void observe(const std::vector<double>& x, double y);

 private:
  const Net& net_;
  int d_;
  double horizon_;
  int t_ = 0;
  NetState state_;
  FeedState feed_;
};

}  // namespace rnnopt::train::internal
