// The "oi" loss, observed improvement: sum_t min(f(x_t) - min_{i<t} f(x_i), 0) with the running
// minimum held constant (Chen et al. 2017, section 2.1, Eq. 5); the first step contributes 0.
#include "meta_train/internal/loss.h"

namespace rnnopt::train::internal {
namespace {

class OiLoss final : public Loss {
 public:
  torch::Tensor term(const LossContext& c) const override {
    if (c.t == 0) return {};
    return torch::clamp_max(c.value - c.running_min, 0.0);
  }
};

}  // namespace

std::unique_ptr<Loss> make_oi_loss() { return std::make_unique<OiLoss>(); }

}  // namespace rnnopt::train::internal
