// rnnopt/optimizer/internal/network.h: the whole network of one model (LSTM or DNC, head, output
// map) built from a ModelFile, and its per-run state. Private to the engine.
//
//   Network net = Network::from_file(file, "model.safetensors");
//   NetworkState state = net.initial_state();
//   net.layout().fill(d, x, y, flag, budget, best_y, best_x, state.features());
//   net.step(state);                 // raw output o in state.output (d_max floats)
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>

#include "optimizer/internal/dnc.h"
#include "optimizer/internal/features.h"
#include "optimizer/internal/lstm.h"
#include "optimizer/model_file.h"

namespace rnnopt::internal {

struct NetworkState {
  LstmState lstm;               // the LSTM, or the DNC's controller
  std::optional<DncState> dnc;  // DNC memory, for "dnc" models
  VecF head_input;              // [h, r_1..r_R] for the DNC head (empty for LSTM)
  VecF output;                  // raw head output o [d_max]

  // The feature slot (layout().width floats) of the next step's input.
  float* features() { return lstm.input(); }
  void reset();
};

class Network {
 public:
  // Builds the float32 weights. Requires file.manifest to be valid; throws ModelError naming
  // `source` for a missing tensor, a wrong shape or an unknown feature.
  static Network from_file(const ModelFile& file, const std::string& source);

  NetworkState initial_state() const;
  // One step from the features in state.features(): updates the recurrent state and writes the raw
  // output o to state.output. No heap allocation.
  void step(NetworkState& state) const;

  const FeatureLayout& layout() const { return layout_; }
  bool is_dnc() const { return dnc_.has_value(); }
  const LstmWeights& lstm() const { return lstm_; }
  const std::optional<DncWeights>& dnc() const { return dnc_; }
  const MatF& head_w() const { return head_w_; }
  const VecF& head_b() const { return head_b_; }

 private:
  FeatureLayout layout_;
  LstmWeights lstm_;
  std::optional<DncWeights> dnc_;
  MatF head_w_;  // [d_max, H] or [d_max, H + R W]
  VecF head_b_;  // [d_max]
};

// The output map of MODEL_FORMAT.md section 4: writes the first d canonical coordinates of raw
// output o into out (double). Returns false if any of them is not finite.
// kSinBest moves from the incumbent: x_i = sin(asin(best_i) + o_i), best the canonical best fed
// point (zeros before any observation).
enum class OutputMap { kTanh, kClip, kSin, kSinBest };
// "tanh", "clip", "sin" or "sin_best" (validated by Manifest::validate) -> the enum.
OutputMap parse_output_map(const std::string& name);
bool map_output(const VecF& o, int d, OutputMap map, const VecF& best, double* out);

}  // namespace rnnopt::internal
