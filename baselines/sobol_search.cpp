#include "baselines/sobol_search.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "core/rng.h"
#include "optimizer/state_io.h"

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
      seed_(seed),
      sequence_(checked_sobol_dim(box), derive_seed(seed, 0x50b01)) {}

Eigen::VectorXd SobolSearch::do_propose() { return box().from_unit(sequence_.next()); }

void SobolSearch::do_save_state(StateWriter& w) const {
  w.tag("sobol-search");
  w.unsigned_integer(seed_);
  w.unsigned_integer(sequence_.index());
}

std::function<void()> SobolSearch::do_restore_state(StateReader& r) {
  r.expect("sobol-search");
  const std::uint64_t seed = r.unsigned_integer();
  const std::uint64_t index = r.unsigned_integer();
  if (index > (std::uint64_t{1} << 40)) r.fail("malformed saved state: bad Sobol index");
  return [this, seed, index] {
    seed_ = seed;
    sequence_ = SobolSequence(dim(), derive_seed(seed, 0x50b01));
    sequence_.discard(index);
  };
}

}  // namespace rnnopt::baselines
