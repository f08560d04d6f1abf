// The "log_ei" loss: -(1/T) sum_t log EI(x_t | the observations fed so far), log EI computed where
// EI underflows (GpPosterior::log_expected_improvement). Every step weighs the same whatever the
// scale of its EI, so refining near the incumbent (EI ~ 1e-8) is rewarded like the first
// exploratory steps (EI ~ 1e-1); with "ei" the late steps contribute nothing to the gradient.
#include "meta_train/internal/loss.h"

namespace rnnopt::train::internal {
namespace {

// The floor on log EI (EI ~ 1e-13 for a unit-variance prior), below which it is compressed
// logarithmically: an already queried point must not dominate the loss.
constexpr double kLogEiFloor = -30.0;

class LogEiLoss final : public Loss {
 public:
  bool needs_posterior() const override { return true; }
  torch::Tensor term(const LossContext& c) const override {
    if (c.posterior->size() == 0) return {};
    // Below the floor, -30 - log(1 + (-30 - log EI)): C1 at the floor, still increasing in log EI,
    // bounded in practice.
    const torch::Tensor l = c.posterior->log_expected_improvement(c.query, c.query_id);
    const torch::Tensor floored = torch::where(
        l >= kLogEiFloor, l, kLogEiFloor - torch::log1p(torch::clamp_min(kLogEiFloor - l, 0.0)));
    return -(floored / static_cast<double>(c.horizon));
  }
};

}  // namespace

std::unique_ptr<Loss> make_log_ei_loss() { return std::make_unique<LogEiLoss>(); }

}  // namespace rnnopt::train::internal
