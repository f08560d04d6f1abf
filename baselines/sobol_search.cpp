#include "baselines/sobol_search.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "optimizer/random.h"

namespace rnnopt::baselines {
namespace {

int checked_sobol_dim(const Box& box) {
  box.validate("SobolSearch::SobolSearch()");
  if (box.dim() > SobolSequence::max_dim()) {
    throw std::invalid_argument("SobolSearch::SobolSearch(): " + std::to_string(box.dim()) +
                                " dims, at most " + std::to_string(SobolSequence::max_dim()) +
                                " supported");
  }
  return box.dim();
}

}  // namespace

SobolSearch::SobolSearch(Box box, std::uint64_t seed)
    : Optimizer(box, "SobolSearch::SobolSearch()"),
      sequence_(checked_sobol_dim(box), derive_seed(seed, 0x50b01)) {}

Eigen::VectorXd SobolSearch::do_propose() { return box().from_unit(sequence_.next()); }

}  // namespace rnnopt::baselines
