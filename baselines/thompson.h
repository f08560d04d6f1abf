// rnnopt/demos/thompson.h: Thompson sampling from a GP posterior, for the bandit demo.
//
// Each proposal draws one function from the posterior of a GP with known hyper-parameters
// (RBF kernel, amplitude2, length-scales in box units, constant mean, observation-noise
// variance) jointly on a candidate set (num_candidates fresh uniform points of the box plus the
// observed points), and returns the candidate where the draw is lowest (minimisation). The joint
// draw uses the Cholesky factor of the posterior covariance with a small jitter (raised tenfold
// up to 6 times if needed). Pending points are ignored (each proposal is its own random draw).
// Before any observation the proposal is a uniform point. The saved state (save_state()) is the
// common part and the generator.
//
//   rnnopt::demos::ThompsonOptions o;
//   o.length_scales = Eigen::VectorXd::Constant(1, 0.3);
//   rnnopt::demos::ThompsonSampling ts(rnnopt::Box::canonical(2), o, /*seed=*/7);
//   Eigen::VectorXd x = ts.propose();
//   ts.observe(x, y);
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "core/rng.h"
#include "optimizer/optimizer.h"

namespace rnnopt::demos {

struct ThompsonOptions {
  double amplitude2 = 1.0;
  Eigen::VectorXd length_scales;  // one or dim() values, box units; empty: 0.2 x width
  double mean = 0.0;
  double noise = 1e-6;  // observation-noise variance
  int num_candidates = 300;

  // Throws std::invalid_argument("<where>: ...") for a bad field.
  void validate(const char* where, int d) const;
};

class ThompsonSampling final : public Optimizer {
 public:
  // Throws std::invalid_argument("ThompsonSampling::ThompsonSampling(): ...") for a bad box or
  // options.
  ThompsonSampling(Box box, ThompsonOptions options, std::uint64_t seed);

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation&) override {}
  std::string do_name() const override { return "thompson"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  ThompsonOptions options_;
  Eigen::VectorXd inv_ls_;  // 1 / length-scale per dimension
  Rng rng_;
};

}  // namespace rnnopt::demos
