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
// The network, the features and the model file are specified in optimizer/MODEL_FORMAT.md; the
// behaviour of RnnOptimizer (batches, warm starts, past the horizon, fallbacks, saved states) is
// described in optimizer/README.md and at each declaration below.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "optimizer/model_file.h"
#include "optimizer/optimizer.h"

namespace rnnopt {

namespace internal {
class Network;
class AcqNetwork;
}  // namespace internal

class Model;

struct LoadOptions {
  // Replay the manifest's golden trace (MODEL_FORMAT.md section 5) and reject a mismatch; a model
  // without a golden trace is then rejected too.
  bool verify_golden_trace = true;
};

// Builds a model from a ModelFile already in memory (validated again here); `source` names it in
// messages. Throws ModelError as load_model does.
std::shared_ptr<const Model> make_model(ModelFile file, const std::string& source = "<memory>",
                                        LoadOptions options = {});

// A loaded network: the manifest and the float32 weights. Immutable once built, so one Model may be
// shared by any number of optimizers on any number of threads.
class Model {
 public:
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const Manifest& manifest() const { return manifest_; }
  // Where the model came from (a path, or "<memory>"), for messages.
  const std::string& source() const { return source_; }
  // True when the model supports problem dimension d (d is in manifest().dims).
  bool supports_dim(int d) const;
  // A short name such as "rnn:lstm-oi-d2".
  std::string display_name() const;

  // The engine's network of a direct model (optimizer/internal/network.h). Requires
  // !is_acquisition().
  const internal::Network& network() const { return *network_; }
  // True for an acquisition-head model (MODEL_FORMAT.md section 7).
  bool is_acquisition() const { return acq_network_ != nullptr; }
  // The acquisition-head network (optimizer/internal/acq_network.h); null for direct models.
  const internal::AcqNetwork* acq_network() const { return acq_network_.get(); }

 private:
  friend std::shared_ptr<const Model> make_model(ModelFile file, const std::string& source,
                                                 LoadOptions options);
  Model(Manifest manifest, std::string source, std::unique_ptr<internal::Network> network,
        std::unique_ptr<internal::AcqNetwork> acq_network);

  Manifest manifest_;
  std::string source_;
  std::unique_ptr<internal::Network> network_;
  std::unique_ptr<internal::AcqNetwork> acq_network_;
};

// Reads a model file (read_model_file) and builds the model. Throws ModelError naming the path and
// the problem: every check of MODEL_FORMAT.md, and with verification a missing golden trace or a
// mismatch (the step, the coordinate and the difference).
std::shared_ptr<const Model> load_model(const std::string& path, LoadOptions options = {});

// Runs the golden-trace protocol of MODEL_FORMAT.md section 5 on `model` for problem dimension d:
// the value fed back after query q_t is the fixed quadratic y_t = sum_i (q_t,i - 0.25)^2. Returns
// the trace with the engine's own queries (tolerance 1e-4). Requires model.supports_dim(d) and
// steps >= 1; throws std::invalid_argument otherwise.
GoldenTrace record_golden_trace(const Model& model, int d, int steps);

// Replays `trace` on `model`; returns the largest absolute difference between the engine's queries
// and the recorded ones. Throws ModelError naming model.source(), the step, the coordinate and the
// difference if it exceeds trace.tolerance, or if trace.d is not supported.
double replay_golden_trace(const Model& model, const GoldenTrace& trace);

// What make_random_model_file() builds: any valid manifest shape.
struct RandomModelSpec {
  std::string name = "random";
  std::string architecture = "lstm";  // "lstm" or "dnc"
  int d_max = 2;
  std::vector<int> dims;  // empty: {d_max}
  int hidden_size = 32;
  int num_layers = 1;
  DncSizes dnc{8, 8, 1};                              // used for "dnc"
  std::vector<std::string> input_features{"x", "y"};  // "mask" is added if dims need it
  std::string output_map = "tanh";
  YNormalisation y_normalisation{"running", 1e-6};
  int horizon = 50;
  int parallel_workers = 1;   // > 1 adds the "flag" feature if missing
  double weight_scale = 0.0;  // weights ~ U(-a, a); 0: a = 1/sqrt(hidden_size) (PyTorch's init)
  int golden_steps = 8;       // length of the golden trace (at least 1)
  // Set: an acquisition-head model (MODEL_FORMAT.md section 7; architecture lstm, dims {d_max});
  // input_features, output_map, y_normalisation and parallel_workers are then those it requires.
  std::optional<AcquisitionSpec> acquisition;

  // Throws std::invalid_argument("RandomModelSpec::validate(): ...") for impossible sizes.
  void validate() const;
};

// A model file with weights drawn from Rng(seed) (in the name order of the tensors) and a golden
// trace recorded by this engine for d = the smallest supported dimension. For tests, examples and
// the rnnopt-random-model tool; a random network is not a good optimizer. Throws
// std::invalid_argument for an invalid spec.
ModelFile make_random_model_file(const RandomModelSpec& spec, std::uint64_t seed);

// What RnnOptimizer does once the network has taken the model's training horizon T of steps in
// the current segment.
enum class PastHorizonPolicy {
  // Keep stepping the network (its budget feature then exceeds 1).
  kContinue,
  // Start a new segment: reset the recurrent state and the y statistics, shrink the search box
  // around the incumbent (zoom) and feed the incumbent as the new segment's first observation.
  kRestart,
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

  // Throws std::invalid_argument("RnnOptimizerOptions::validate(): ...") for horizon < 0,
  // restart_shrink outside (0, 1), restart_min_width outside (0, 1] or segment_steps < 0.
  void validate() const;
};

// The learned optimizer. One RnnOptimizer is used by one thread at a time.
//
// Acquisition-head models (MODEL_FORMAT.md section 7): the first proposal is the box centre; each
// later one is the best-scoring of the candidates drawn from the seeded generator. Every
// observation is fed (history and one network step) in the order it arrives. Pending points are
// handled by a constant liar on a copy of the state, as for sequential direct models below. The
// options past_horizon, restart_* and segment_steps do not apply (the candidate search works at
// any step; the budget feature exceeds 1 past the horizon); a proposal costs O(t^2 K) for t
// observations and K candidates (the GP features of the reference kernels).
//
// Protocol (MODEL_FORMAT.md sections 3, 6): every observation is fed to the network in the order it
// arrives, also for points it did not propose (warm start), as (x in the canonical box, normalised
// y); each fed observation is one network step and yields the network's next query.
// - Sequential models (parallel_workers == 1): propose() returns the network's latest query. When
//   points are pending (proposed, not yet observed or failed), the proposal comes from a copy of
//   the state that is fed each pending point, oldest first, with a constant lie (the best observed
//   y, or 0 before any observation); propose_batch(n) continues that copy for n points. The real
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
