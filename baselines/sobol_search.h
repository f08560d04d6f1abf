// rnnopt/baselines/sobol_search.h: quasi-random search along a scrambled Sobol sequence.
//
// Proposals walk a Sobol sequence of the unit cube, mapped to the box. The sequence is scrambled
// by a random digital shift drawn from rnnopt::Rng(seed) (see sobol_sequence.h), so different
// seeds give different, equally well spread point sets and the same seed the same trace.
// Observations do not influence later proposals. Its saved state is the seed and the position in
// the sequence.
//
//   rnnopt::baselines::SobolSearch opt(rnnopt::Box{lower, upper}, /*seed=*/7);
//   Eigen::VectorXd x = opt.propose();
//   opt.observe(x, f(x));
#pragma once

#include <cstdint>
#include <functional>

#include "baselines/sobol_sequence.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

class SobolSearch final : public Optimizer {
 public:
  // Throws std::invalid_argument("SobolSearch::SobolSearch(): ...") for an invalid box or a
  // dimension above SobolSequence::max_dim().
  SobolSearch(Box box, std::uint64_t seed);

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation&) override {}
  std::string do_name() const override { return "sobol"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  std::uint64_t seed_;
  SobolSequence sequence_;
};

}  // namespace rnnopt::baselines
