// rnnopt/optimizer/rnn_optimizer.h: the learned optimizer (Chen et al., ICML 2017) as an
// rnnopt::Optimizer. A meta-trained LSTM or DNC, shipped as a model file, proposes each next point
// from the previous point and its value; this engine runs it in float32 Eigen (no LibTorch) with
// preallocated buffers, in microseconds per step.
//
//   auto model = rnnopt::load_model("models/lstm-oi.safetensors");  // throws rnnopt::ModelError
//   rnnopt::Box box{lower, upper};                                    // Eigen::VectorXd each
//   rnnopt::RnnOptimizer opt(model, box, {.horizon = 50}, /*seed=*/7);
//   for (int t = 0; t < 50; ++t) {
//     Eigen::VectorXd x = opt.propose();       // user coordinates, inside box
//     opt.observe(x, f(x));                    // minimisation; any x inside the box is accepted
//   }
//   rnnopt::Observation best = *opt.best();
//
// Model and load_model are declared in optimizer/model.h (included here). The network, the
// features and the model file are specified in optimizer/MODEL_FORMAT.md; the behaviour of
// RnnOptimizer (batches, warm starts, past the horizon, fallbacks, saved states) is described in
// optimizer/README.md and at each declaration below.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "optimizer/model.h"  // Model, load_model, golden traces, random model files
#include "optimizer/optimizer.h"

namespace rnnopt {

// What RnnOptimizer does once the network has taken the model's training horizon T of steps in
// the current segment.
enum class PastHorizonPolicy {
  // Keep stepping the network (its budget feature then exceeds 1).
  kContinue,
  // Start a new segment: reset the recurrent state and the y statistics, shrink the search box
  // around the incumbent (zoom) and feed the incumbent as the new segment's first observation.
  kRestart,
};

// The value a sequential model's copy of the state is fed for each pending point (the constant
// liar; see RnnOptimizer).
enum class PendingLie {
  // The best observed y (0 before any observation): exploits, a batch stays near the incumbent.
  kBest,
  // The mean of the observed values (0 before any): explores more, a batch spreads out.
  kMean,
};

struct RnnOptimizerOptions {
  // Planned number of evaluations (0: the model's training horizon). Informational: the network's
  // budget feature always uses the model's horizon (MODEL_FORMAT.md section 3).
  int horizon = 0;
  // Default kRestart: with the trained model lstm-ei-d2 on 1000 GP functions, mean regret at
  // t = 2T was 0.072 under kRestart and 0.159 under kContinue (models/README.md, target 4).
  PastHorizonPolicy past_horizon = PastHorizonPolicy::kRestart;
  // kRestart: each restart multiplies the zoom box's width by restart_shrink (relative to the user
  // box: width_k = max(restart_shrink^k, restart_min_width)).
  double restart_shrink = 0.5;
  double restart_min_width = 1e-3;
  // kRestart: network steps per segment (dummies and observations); 0: the model's training
  // horizon T. Shorter segments zoom in earlier, within the horizon (models/README.md measures
  // which length suits each shipped model).
  int segment_steps = 0;
  // The constant liar's value for pending points. Default kBest: with 5 workers (rnnopt-bench
  // --workers 5) kMean is better for acq-std-d2 on 200 gp:d=2 functions (mean regret 0.061 against
  // 0.206 at t = 50) and worse for acq-fit-d5 on 200 gp:d=5 functions (2.22 against 1.66) and in
  // the design demo (d = 5: 0 of 8 runs reach the target against 7 of 8); optimizer/README.md.
  PendingLie pending_lie = PendingLie::kBest;

  // Throws std::invalid_argument("RnnOptimizerOptions::validate(): ...") for horizon < 0,
  // restart_shrink outside (0, 1), restart_min_width outside (0, 1] or segment_steps < 0.
  void validate() const;
};

// The learned optimizer. One RnnOptimizer is used by one thread at a time.
//
// Acquisition-head models (MODEL_FORMAT.md section 7): the first proposal is the box centre; each
// later one is the best-scoring of the candidates drawn from the seeded generator. Every
// observation is fed (history and one network step) in the order it arrives. Pending points are
// handled by a constant liar on a copy of the state, as for sequential direct models below (the
// lie: RnnOptimizerOptions::pending_lie). The
// options past_horizon, restart_* and segment_steps do not apply (the candidate search works at
// any step; the budget feature exceeds 1 past the horizon); a proposal costs O(t^2 K) for t
// observations and K candidates (the GP features of the reference kernels).
//
// Protocol (MODEL_FORMAT.md sections 3, 6): every observation is fed to the network in the order it
// arrives, also for points it did not propose (warm start), as (x in the canonical box, normalised
// y); each fed observation is one network step and yields the network's next query.
// - Sequential models (parallel_workers == 1): propose() returns the network's latest query. When
//   points are pending (proposed, not yet observed or failed), the proposal comes from a copy of
//   the state that is fed each pending point, oldest first, with a constant lie (by default the
//   best observed y, or 0 before any observation; RnnOptimizerOptions::pending_lie); propose_batch(n) continues that copy for n points. The real
//   state only ever sees real observations; a failed trial (fail(id)) is no longer pending, so it
//   is no longer fed to the copy.
// - Parallel models (parallel_workers == N > 1): the paper's scheme. The first N steps are fed
//   dummies and give N queries; each observation fed gives one more. Ready queries wait in a queue
//   (at most N, the oldest dropped first) and proposals take the oldest. When the queue is empty
//   one more dummy step makes a query (as if one more worker had started).
// - Past the horizon: see PastHorizonPolicy. Under kRestart, observations that arrive after the
//   segment's T steps or lie outside the current zoom box are recorded (history, best) but not fed.
// - A network output that is not finite is replaced by a uniform random point of the current
//   (zoom) box drawn from the seeded generator, and counted (fallback_count()).
class RnnOptimizer final : public Optimizer {
 public:
  // Requires a non-null model that supports box.dim() and valid options. Throws
  // std::invalid_argument("RnnOptimizer::RnnOptimizer(): ...") otherwise (and for an invalid box).
  RnnOptimizer(std::shared_ptr<const Model> model, Box box, RnnOptimizerOptions options = {},
               std::uint64_t seed = 0);
  ~RnnOptimizer() override;

  const Model& model() const { return *model_; }
  const RnnOptimizerOptions& options() const { return options_; }
  // Proposals whose network output was not finite (replaced by a random point).
  int fallback_count() const;
  // Segments started by the kRestart policy.
  int restart_count() const;
  // Network steps taken in the current segment (dummies and observations).
  int network_steps() const;
  // The box of the current segment: box() until the first restart.
  Box zoom_box() const;

  // save_state() / restore_state() (Optimizer) carry, besides the history and the pending
  // trials, the recurrent state, DNC memory, y statistics, queue, generator and counters. An
  // optimizer built with the same model, box and options (any seed) and given the state by
  // restore_state() proposes exactly what this one would; a state saved with another model shape
  // or dimension is refused ("... another model or dimension"), the optimizer then unchanged.

 private:
  struct State;
  struct AcqState;

  Eigen::VectorXd do_propose() override;
  std::vector<Eigen::VectorXd> do_propose_batch(int n) override;
  void do_observe(const Observation& obs) override;
  std::string do_name() const override;
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  std::shared_ptr<const Model> model_;
  RnnOptimizerOptions options_;
  std::unique_ptr<State> state_;   // direct models
  std::unique_ptr<AcqState> acq_;  // acquisition-head models
};

}  // namespace rnnopt
