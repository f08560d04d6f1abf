// rnnopt/baselines/thompson.h: Thompson sampling from a GP posterior with known hyper-parameters.
//
// Each proposal draws one function from the posterior of a GP (RBF kernel, amplitude2,
// length-scales in box units, constant mean, observation-noise variance) jointly on a candidate
// set (num_candidates fresh uniform points of the box plus the observed points), and returns the
// candidate where the draw is lowest (minimisation). The posterior is the baselines' GpPosterior
// (baselines/internal/gp.h) and both Cholesky factors (of the data's kernel matrix and of the
// candidates' posterior covariance) follow its one jitter rule, cholesky_with_jitter(). Pending
// points are ignored (each proposal is its own random draw). Before any observation the proposal
// is a uniform point. The saved state (save_state()) is the common part and the generator.
//
//   rnnopt::baselines::ThompsonOptions o;
//   o.length_scales = Eigen::VectorXd::Constant(1, 0.3);
//   rnnopt::baselines::ThompsonSampling ts(rnnopt::Box::canonical(2), o, /*seed=*/7);
//   rnnopt::Trial t = ts.ask();
//   ts.observe(t.id, f(t.x));
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "core/rng.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

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
  Eigen::VectorXd unit_ls_;  // length-scales in unit-cube units (box units / width)
  Rng rng_;
};

}  // namespace rnnopt::baselines
