#include "optimizer/internal/session.h"

#include <algorithm>

namespace rnnopt::internal {

Session::Session(const Network& net, const Manifest& manifest, int d)
    : net_(&net),
      d_(d),
      horizon_(manifest.horizon),
      map_(parse_output_map(manifest.output_map)),
      state_(net.initial_state()),
      normaliser_(manifest.y_normalisation.kind == "running", manifest.y_normalisation.eps),
      x_buffer_(VecF::Zero(manifest.d_max)),
      best_x_(VecF::Zero(manifest.d_max)) {}

void Session::step(const float* x, float y, float flag) {
  // budget = (t - 1) / horizon with t = steps_ + 1, not clipped past the horizon.
  const float budget = static_cast<float>(static_cast<double>(steps_) / horizon_);
  const float best = static_cast<float>(normaliser_.normalised_best());
  net_->layout().fill(d_, x, y, flag, budget, best, best_x_.data(), state_.features());
  net_->step(state_);
  ++steps_;
}

void Session::start() {
  // At t = 1 everything but the mask is 0 (MODEL_FORMAT.md section 6); best_y and budget are 0
  // there by definition.
  step(nullptr, 0.0f, 0.0f);
}

void Session::feed_observation(const double* x, double y) {
  const bool improves = normaliser_.count() == 0 || y < normaliser_.stats().min;
  normaliser_.add(y);
  for (int i = 0; i < d_; ++i) x_buffer_[i] = static_cast<float>(std::clamp(x[i], -1.0, 1.0));
  if (improves) best_x_.head(d_) = x_buffer_.head(d_);
  step(x_buffer_.data(), static_cast<float>(normaliser_.normalise(y)), 1.0f);
}

void Session::feed_dummy() { step(nullptr, 0.0f, 0.0f); }

bool Session::query(double* out) const { return map_output(state_.output, d_, map_, best_x_, out); }

}  // namespace rnnopt::internal
