// rnnopt/baselines/dlib_lipo.h: dlib's global optimizer (MaxLIPO + trust region), ask/tell.
//
// dlib::global_function_search (Davis King, dlib 19.x; Debian libdlib-dev) alternates a MaxLIPO
// step (Malherbe and Vayatis 2017: the point maximising a Lipschitz upper bound of the function,
// found among random candidates) with a trust-region step around the best point (a quadratic
// model, Powell-style), and takes a uniform random point with a small probability. It is
// natively ask/tell, so no thread is involved. This is the engine of dlib::find_min_global; see
// baselines/README.md for why the bench uses global_function_search directly.
//
//   rnnopt::baselines::DlibLipo opt(box, {}, /*seed=*/7);
//   for (int t = 0; t < 100; ++t) {
//     Eigen::VectorXd x = opt.propose();
//     opt.observe(x, f(x));
//   }
//
// The search runs on the unit cube (dlib maximises; it is given -y). Observations made before the
// first proposal become dlib's initial function evaluations (a warm start). After that, dlib has
// no way to accept points it did not ask for: they are recorded in history() and best() but not
// given to dlib. propose_batch(n) asks dlib for n points at once (dlib's own parallel mode: one
// trust-region step and n - 1 MaxLIPO steps); observations may come in any order. A failed trial
// (fail(id)) is withdrawn from dlib, as if it had never been requested.
//
// dlib cannot write out its search state, so save_state() records the calls made (ask, observe,
// fail) and the seed, and restore_state() replays them on a fresh search (Optimizer's
// enable_replay()): cheap next to the evaluations it stands for, and exact.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

// dlib's defaults, named.
struct DlibLipoOptions {
  double pure_random_probability = 0.02;    // chance of a uniform random point per proposal
  double relative_noise_magnitude = 0.001;  // noise the Lipschitz bound allows for
  double solver_epsilon = 0.0;              // trust-region stopping accuracy
  int monte_carlo_samples = 5000;           // random candidates for each MaxLIPO step

  // Throws std::invalid_argument("DlibLipoOptions::validate(): ...") naming the bad field.
  void validate() const;
};

class DlibLipo final : public Optimizer {
 public:
  // Throws std::invalid_argument for an invalid box or options.
  DlibLipo(Box box, const DlibLipoOptions& options, std::uint64_t seed);
  ~DlibLipo() override;

 private:
  struct State;  // dlib stays out of this header

  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation& obs) override;
  void do_fail(const Trial& trial) override;
  std::string do_name() const override { return "dlib-lipo"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  DlibLipoOptions options_;
  std::uint64_t seed_;
  std::unique_ptr<State> state_;
};

}  // namespace rnnopt::baselines
