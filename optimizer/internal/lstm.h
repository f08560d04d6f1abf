// rnnopt/optimizer/internal/lstm.h: the stacked LSTM of optimizer/MODEL_FORMAT.md section 4, in
// float32 Eigen with preallocated buffers. Private to the engine.
//
// Each layer's w_ih and w_hh are fused into one [4H, I + H] matrix so that a layer is one GEMV of
// the concatenation [u; h_prev]: one pass over the weights, the memory-bound floor of the step.
#pragma once

#include <Eigen/Core>
#include <map>
#include <string>
#include <vector>

#include "optimizer/model_file.h"

namespace rnnopt::internal {

using VecF = Eigen::VectorXf;
using MatF = Eigen::MatrixXf;  // column-major

struct LstmLayer {
  MatF w;  // [4H, I + H] = [w_ih | w_hh]
  VecF b;  // [4H]
  int input_size = 0;
};

struct LstmWeights {
  int hidden_size = 0;
  std::vector<LstmLayer> layers;

  // Reads `{prefix}{l}.w_ih`, `.w_hh`, `.b` for l < num_layers. Requires the tensors to exist with
  // the shapes of MODEL_FORMAT.md (read_model_file checks them); throws ModelError otherwise.
  static LstmWeights from_tensors(const std::map<std::string, Tensor>& tensors,
                                  const std::string& prefix, int num_layers, int input_size,
                                  int hidden_size, const std::string& source);
};

// The recurrent state and the step's scratch buffers. concat[l] holds [u; h] of layer l: its tail
// is the layer's hidden state h, so the state lives in these buffers.
struct LstmState {
  std::vector<VecF> concat;  // per layer, I_l + H; the last H entries are h
  std::vector<VecF> c;       // per layer, H
  VecF gates;                // 4H scratch

  explicit LstmState(const LstmWeights& weights);
  LstmState() = default;
  void reset();
  // The hidden state h of layer l.
  Eigen::Map<const VecF> h(int l) const;
  Eigen::Map<VecF> h(int l);
  // The input slot of layer 0 (I_0 floats): write the input here before step().
  float* input() { return concat.front().data(); }
};

// One step: reads the layer-0 input from state.input(), updates every layer. No allocation.
void lstm_step(const LstmWeights& weights, LstmState& state);

}  // namespace rnnopt::internal
