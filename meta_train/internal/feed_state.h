// rnnopt/meta_train/internal/feed_state.h: what the direct design's network is fed back after an
// observation (MODEL_FORMAT.md section 3), batched over B functions (private; includes torch).
// One state for the training rollout and the engine-path stepper: the fed x and y, the running
// y-normalisation (mean and population standard deviation of the observations so far, held
// constant for the gradient), the incumbent's normalised value and position (earliest on ties, as
// the engine keeps it), the flag and the dimension mask.
//
//   FeedState feed(spec, /*batch=*/B, /*d=*/2, /*running=*/true, /*eps=*/1e-6, device);
//   torch::Tensor o = net.step(feed.features(t / horizon), state);
//   torch::Tensor x = net.output_map(o, feed.best_x()) * feed.mask();
//   feed.observe(x, f(x));   // y keeps its gradient
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "meta_train/internal/torch_net.h"

namespace rnnopt::train::internal {

class FeedState {
 public:
  // Before any observation every fed input is 0; mask [B, d_max] is 1 on the first d entries.
  FeedState(const NetSpec& spec, std::int64_t batch, int d, bool running, double eps,
            torch::Device device);

  // The feature vector (NetSpec's order) for a step with budget feature `budget`.
  torch::Tensor features(double budget) const;

  // Feeds the observations (x [B, d_max] float32, zeros beyond d; y [B], float32 with its
  // gradient in training or float64 on the engine's path). The statistics are kept in float64;
  // the normalised y is computed in y's precision and fed in float32.
  void observe(const torch::Tensor& x, const torch::Tensor& y);

  const torch::Tensor& mask() const { return mask_; }
  // The canonical incumbent [B, d_max] (zeros before any observation).
  const torch::Tensor& best_x() const { return best_x_; }
  int observed() const { return observed_; }

 private:
  const NetSpec& spec_;
  bool running_;
  double eps_;
  int observed_ = 0;
  torch::Tensor mask_, x_fed_, y_fed_, flag_, best_fed_, best_x_;
  torch::Tensor sum_, sumsq_, min_;  // [B], float64, detached
};

}  // namespace rnnopt::train::internal
