// rnnopt/optimizer/internal/dnc.h: the DNC memory of optimizer/MODEL_FORMAT.md section 4 (Graves et
// al., Nature 2016), in float32 Eigen with preallocated buffers. Private to the engine.
//
// The controller is a stacked LSTM (lstm.h) whose layer-0 input is [features, r_1, ..., r_R]; this
// file holds the interface layer, the memory state and the memory step.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "optimizer/internal/lstm.h"

namespace rnnopt::internal {

struct DncSizesInt {
  int n = 0;  // memory slots
  int w = 0;  // word size
  int r = 0;  // read heads

  // Width Z of the interface vector.
  int interface_size() const { return r * w + r + w + 1 + w + w + r + 1 + 1 + 3 * r; }
};

struct DncWeights {
  DncSizesInt sizes;
  MatF interface_w;  // [Z, H]
  VecF interface_b;  // [Z]
};

// The memory state (all zeros initially) and the step's scratch buffers.
struct DncState {
  MatF memory;         // M [N, W]
  VecF usage;          // u [N]
  VecF precedence;     // p [N]
  MatF link;           // Lk [N, N]
  MatF read_weights;   // w^r [N, R], one column per head
  VecF write_weights;  // w^w [N]
  MatF read_vectors;   // r [W, R], one column per head: data() is [r_1, ..., r_R]

  // Scratch.
  VecF xi;                 // interface vector [Z]
  VecF psi;                // retention [N]
  VecF allocation;         // a [N]
  VecF content;            // [N]
  VecF row_norms;          // [N]
  VecF forward;            // [N]
  VecF backward;           // [N]
  std::vector<int> order;  // [N]

  explicit DncState(const DncSizesInt& sizes);
  DncState() = default;
  void reset();
};

// Content addressing C(M, k, beta) (MODEL_FORMAT.md section 4) into out [N]. row_norms is
// scratch [N]. No allocation.
void content_address(const MatF& memory, const float* key, float beta, VecF& row_norms, VecF& out);

// One memory step, steps 1-6 of MODEL_FORMAT.md section 4, from the controller output h [H]:
// computes the interface vector and updates the state; afterwards read_vectors holds the new r. No
// allocation.
void dnc_memory_step(const DncWeights& weights, const float* h, DncState& state);

}  // namespace rnnopt::internal
