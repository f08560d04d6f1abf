// rnnopt/baselines/random_search.h: uniform random search, the simplest baseline.
//
// Every proposal is an independent uniform point of the box, drawn from rnnopt::Rng(seed);
// observations do not influence later proposals (but are recorded, so best() works). Its saved
// state (save_state()) is the common part and the generator.
//
//   rnnopt::baselines::RandomSearch opt(rnnopt::Box{lower, upper}, /*seed=*/7);
//   for (int t = 0; t < 50; ++t) {
//     Eigen::VectorXd x = opt.propose();
//     opt.observe(x, f(x));
//   }
#pragma once

#include <cstdint>
#include <functional>

#include "core/rng.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

class RandomSearch final : public Optimizer {
 public:
  // Throws std::invalid_argument("RandomSearch::RandomSearch(): ...") for an invalid box.
  RandomSearch(Box box, std::uint64_t seed);

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation&) override {}
  std::string do_name() const override { return "random"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  Rng rng_;
};

}  // namespace rnnopt::baselines
