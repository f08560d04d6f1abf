// rnnopt/optimizer/internal/acq_network.h: the learned acquisition-head model (MODEL_FORMAT.md
// section 7) in float32 Eigen: an LSTM fed one observation per step, and a head that scores
// candidates from the LSTM's state and each candidate's features; the proposal is the best-scoring
// candidate. Private to the engine.
//
//   AcqNetwork net = AcqNetwork::from_file(file, "model.safetensors");
//   AcqRun run(net, rng_seed);
//   run.observe(x, y);              // canonical x, raw y: history + one LSTM step
//   run.propose(q);                 // canonical proposal (the box centre before any observation)
#pragma once

#include <Eigen/Core>
#include <string>

#include "core/rng.h"
#include "optimizer/internal/acq_features.h"
#include "optimizer/internal/lstm.h"
#include "optimizer/model_file.h"

namespace rnnopt::internal {

// The acquisition block of a manifest as the feature code's configuration.
// values: the manifest's y_normalisation kind ("rank" or "standard").
AcqConfig acq_config_from(const AcquisitionSpec& spec, int d, const std::string& values);

class AcqNetwork {
 public:
  // Requires file.manifest to be a valid acquisition manifest; throws ModelError naming `source`
  // for a missing tensor or a wrong shape.
  static AcqNetwork from_file(const ModelFile& file, const std::string& source);

  const AcqConfig& config() const { return config_; }
  const LstmWeights& lstm() const { return lstm_; }
  int horizon() const { return horizon_; }
  // Scores of the candidates whose features are the rows of F, given the top LSTM state h:
  // score_k = v . tanh(wc f_k + bc + wh h).
  void score(const Eigen::Ref<const VecF>& h, const AcqHistory::FeatureMatrix& F, MatF& scratch,
             VecF& out) const;

 private:
  AcqConfig config_;
  LstmWeights lstm_;
  MatF wc_;  // [Hh, Fc]
  VecF bc_;  // [Hh]
  MatF wh_;  // [Hh, H]
  VecF v_;   // [Hh]
  int horizon_ = 1;
};

// One run of an acquisition model in canonical coordinates [-1,1]^d.
class AcqRun {
 public:
  AcqRun(const AcqNetwork& net);

  // Feeds an observation (canonical x, finite raw y): the history and one LSTM step.
  void observe(const double* x, double y);
  // The next proposal (canonical, d doubles): the box centre before any observation, else the
  // best-scoring candidate drawn from rng. Returns false if the scores were not finite (out is
  // then the first uniform candidate).
  bool propose(Rng& rng, double* out);

  // Adds an observation to the history only (no network step): rebuilding a saved run whose LSTM
  // state is restored separately.
  void replay(const double* x, double y) { history_.add(x, y); }

  int observations() const { return history_.size(); }
  // The winning score of the latest propose() from candidates (0 before any).
  float last_score() const { return last_score_; }
  const AcqHistory& history() const { return history_; }
  LstmState& lstm_state() { return lstm_; }
  const LstmState& lstm_state() const { return lstm_; }

 private:
  const AcqNetwork* net_;
  AcqHistory history_;
  LstmState lstm_;
  // scratch
  Eigen::MatrixXd candidates_;
  AcqHistory::FeatureMatrix features_;
  MatF pre_;
  VecF scores_;
  float last_score_ = 0.0f;
};

}  // namespace rnnopt::internal
