// The "sum" loss: sum_t f(x_t) (Chen et al. 2017, section 2.1, Eq. 3).
#include "meta_train/internal/loss.h"

namespace rnnopt::train::internal {
namespace {

class SumLoss final : public Loss {
 public:
  torch::Tensor term(const LossContext& c) const override { return c.value; }
};

}  // namespace

std::unique_ptr<Loss> make_sum_loss() { return std::make_unique<SumLoss>(); }

}  // namespace rnnopt::train::internal
