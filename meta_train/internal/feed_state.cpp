// The fed-back inputs of the direct design (feed_state.h; MODEL_FORMAT.md section 3).
#include "meta_train/internal/feed_state.h"

namespace rnnopt::train::internal {

FeedState::FeedState(const NetSpec& spec, std::int64_t batch, int d, bool running, double eps,
                     torch::Device device)
    : spec_(spec), running_(running), eps_(eps) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  mask_ = torch::zeros({batch, spec.d_max}, opts);
  mask_.narrow(1, 0, d).fill_(1.0);
  x_fed_ = torch::zeros({batch, spec.d_max}, opts);
  y_fed_ = torch::zeros({batch, 1}, opts);
  flag_ = torch::zeros({batch, 1}, opts);
  best_fed_ = torch::zeros({batch, 1}, opts);
  best_x_ = torch::zeros({batch, spec.d_max}, opts);
}

torch::Tensor FeedState::features(double budget) const {
  return build_features(spec_, x_fed_, y_fed_, flag_, mask_, budget, best_fed_, best_x_);
}

void FeedState::observe(const torch::Tensor& x, const torch::Tensor& y) {
  // Statistics of the observations so far, this one included, kept incrementally in double and
  // held constant for the gradient.
  const torch::Tensor yd = y.detach().to(torch::kFloat64);
  const torch::Tensor improves =
      (observed_ == 0 ? torch::ones_like(yd, torch::kBool) : yd < min_).unsqueeze(1);
  best_x_ = torch::where(improves, x, best_x_);
  ++observed_;
  sum_ = observed_ == 1 ? yd : sum_ + yd;
  sumsq_ = observed_ == 1 ? yd * yd : sumsq_ + yd * yd;
  min_ = observed_ == 1 ? yd : torch::minimum(min_, yd);
  const auto dtype = y.scalar_type();
  if (running_) {
    const torch::Tensor mean = sum_ / observed_;
    const torch::Tensor sd = torch::sqrt(torch::clamp_min(sumsq_ / observed_ - mean * mean, 0.0));
    y_fed_ = ((y - mean.to(dtype)) / (sd + eps_).to(dtype)).to(torch::kFloat32).unsqueeze(1);
    best_fed_ = ((min_ - mean) / (sd + eps_)).to(torch::kFloat32).unsqueeze(1);
  } else {
    y_fed_ = y.to(torch::kFloat32).unsqueeze(1);
    best_fed_ = min_.to(torch::kFloat32).unsqueeze(1);
  }
  x_fed_ = x;
  flag_ = torch::ones_like(flag_);
}

}  // namespace rnnopt::train::internal
