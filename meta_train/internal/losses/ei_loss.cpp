// The "ei" loss: -sum_t EI(x_t | the observations fed so far), with the prior's kernel and each
// function's length-scales (Chen et al. 2017, section 2.1, Eq. 4), differentiable through x_t and
// the earlier observations. Steps before the first observation contribute 0.
#include "meta_train/internal/loss.h"

namespace rnnopt::train::internal {
namespace {

class EiLoss final : public Loss {
 public:
  bool needs_posterior() const override { return true; }
  torch::Tensor term(const LossContext& c) const override {
    if (c.posterior->size() == 0) return {};
    return -c.posterior->expected_improvement(c.query, c.query_id);
  }
};

}  // namespace

std::unique_ptr<Loss> make_ei_loss() { return std::make_unique<EiLoss>(); }

}  // namespace rnnopt::train::internal
