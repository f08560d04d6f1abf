#include "optimizer/internal/dnc.h"

#include <algorithm>
#include <cmath>

namespace rnnopt::internal {
namespace {

float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }

// softplus(z) = log(1 + exp(z)), computed without overflow.
float softplus(float z) {
  return z > 0.0f ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

float oneplus(float z) { return 1.0f + softplus(z); }

// Offsets of the interface parts, in the order of MODEL_FORMAT.md section 4.
struct InterfaceOffsets {
  int read_keys, read_strengths, write_key, write_strength, erase, write_vector, free_gates,
      allocation_gate, write_gate, read_modes;
  explicit InterfaceOffsets(const DncSizesInt& s) {
    read_keys = 0;
    read_strengths = read_keys + s.r * s.w;
    write_key = read_strengths + s.r;
    write_strength = write_key + s.w;
    erase = write_strength + 1;
    write_vector = erase + s.w;
    free_gates = write_vector + s.w;
    allocation_gate = free_gates + s.r;
    write_gate = allocation_gate + 1;
    read_modes = write_gate + 1;
  }
};

}  // namespace

DncState::DncState(const DncSizesInt& s)
    : memory(MatF::Zero(s.n, s.w)),
      usage(VecF::Zero(s.n)),
      precedence(VecF::Zero(s.n)),
      link(MatF::Zero(s.n, s.n)),
      read_weights(MatF::Zero(s.n, s.r)),
      write_weights(VecF::Zero(s.n)),
      read_vectors(MatF::Zero(s.w, s.r)),
      xi(VecF::Zero(s.interface_size())),
      psi(VecF::Zero(s.n)),
      allocation(VecF::Zero(s.n)),
      content(VecF::Zero(s.n)),
      row_norms(VecF::Zero(s.n)),
      forward(VecF::Zero(s.n)),
      backward(VecF::Zero(s.n)),
      order(s.n, 0) {}

void DncState::reset() {
  memory.setZero();
  usage.setZero();
  precedence.setZero();
  link.setZero();
  read_weights.setZero();
  write_weights.setZero();
  read_vectors.setZero();
}

void content_address(const MatF& memory, const float* key, float beta, VecF& row_norms, VecF& out) {
  const Eigen::Index w = memory.cols();
  Eigen::Map<const VecF> k(key, w);
  // cos(a, b) = a.b / (sqrt(a.a + 1e-6) sqrt(b.b + 1e-6)).
  const float key_norm = std::sqrt(k.squaredNorm() + 1e-6f);
  row_norms = memory.rowwise().squaredNorm();
  out.noalias() = memory * k;
  out.array() = beta * out.array() / ((row_norms.array() + 1e-6f).sqrt() * key_norm);
  // Softmax over slots, shifted by the maximum for stability.
  const float m = out.maxCoeff();
  out.array() = (out.array() - m).exp();
  out /= out.sum();
}

void dnc_memory_step(const DncWeights& weights, const float* h, DncState& st) {
  const DncSizesInt& s = weights.sizes;
  const InterfaceOffsets off(s);
  const Eigen::Index hs = weights.interface_w.cols();
  st.xi.noalias() = weights.interface_w * Eigen::Map<const VecF>(h, hs);
  st.xi += weights.interface_b;
  float* xi = st.xi.data();

  // Interface transforms (MODEL_FORMAT.md section 4 table).
  for (int r = 0; r < s.r; ++r) xi[off.read_strengths + r] = oneplus(xi[off.read_strengths + r]);
  xi[off.write_strength] = oneplus(xi[off.write_strength]);
  for (int j = 0; j < s.w; ++j) xi[off.erase + j] = sigmoid(xi[off.erase + j]);
  for (int r = 0; r < s.r; ++r) xi[off.free_gates + r] = sigmoid(xi[off.free_gates + r]);
  xi[off.allocation_gate] = sigmoid(xi[off.allocation_gate]);
  xi[off.write_gate] = sigmoid(xi[off.write_gate]);
  for (int r = 0; r < s.r; ++r) {
    float* pi = xi + off.read_modes + 3 * r;
    const float m = std::max({pi[0], pi[1], pi[2]});
    float sum = 0.0f;
    for (int k = 0; k < 3; ++k) sum += (pi[k] = std::exp(pi[k] - m));
    for (int k = 0; k < 3; ++k) pi[k] /= sum;
  }

  // 1. Retention and usage, from the previous read and write weights.
  st.psi.setOnes();
  for (int r = 0; r < s.r; ++r) {
    st.psi.array() *= 1.0f - xi[off.free_gates + r] * st.read_weights.col(r).array();
  }
  st.usage.array() =
      (st.usage.array() + st.write_weights.array() - st.usage.array() * st.write_weights.array()) *
      st.psi.array();

  // 2. Allocation: slots by usage ascending, ties in index order (a stable sort; std::sort with the
  // index as tie-break gives the same order without the stable sort's buffer allocation).
  for (int i = 0; i < s.n; ++i) st.order[i] = i;
  std::sort(st.order.begin(), st.order.end(), [&](int a, int b) {
    return st.usage[a] < st.usage[b] || (st.usage[a] == st.usage[b] && a < b);
  });
  float prod = 1.0f;
  for (int j = 0; j < s.n; ++j) {
    const int slot = st.order[j];
    st.allocation[slot] = (1.0f - st.usage[slot]) * prod;
    prod *= st.usage[slot];
  }

  // 3. Write weights from allocation and content (on the previous memory).
  content_address(st.memory, xi + off.write_key, xi[off.write_strength], st.row_norms, st.content);
  const float ga = xi[off.allocation_gate];
  const float gw = xi[off.write_gate];
  st.write_weights.array() = gw * (ga * st.allocation.array() + (1.0f - ga) * st.content.array());

  // 4. Erase and write.
  const float* e = xi + off.erase;
  const float* v = xi + off.write_vector;
  for (int j = 0; j < s.w; ++j) {
    st.memory.col(j).array() = st.memory.col(j).array() * (1.0f - st.write_weights.array() * e[j]) +
                               st.write_weights.array() * v[j];
  }

  // 5. Temporal link matrix (with the previous precedence), then precedence.
  for (int j = 0; j < s.n; ++j) {
    const float wj = st.write_weights[j];
    const float pj = st.precedence[j];
    st.link.col(j).array() = (1.0f - st.write_weights.array() - wj) * st.link.col(j).array() +
                             st.write_weights.array() * pj;
  }
  st.link.diagonal().setZero();
  const float written = st.write_weights.sum();
  st.precedence = (1.0f - written) * st.precedence + st.write_weights;

  // 6. Read weights and read vectors, from the previous read weights and the new memory and links.
  for (int r = 0; r < s.r; ++r) {
    st.forward.noalias() = st.link * st.read_weights.col(r);
    st.backward.noalias() = st.link.transpose() * st.read_weights.col(r);
    content_address(st.memory, xi + off.read_keys + r * s.w, xi[off.read_strengths + r],
                    st.row_norms, st.content);
    const float* pi = xi + off.read_modes + 3 * r;
    st.read_weights.col(r) = pi[0] * st.backward + pi[1] * st.content + pi[2] * st.forward;
    st.read_vectors.col(r).noalias() = st.memory.transpose() * st.read_weights.col(r);
  }
}

}  // namespace rnnopt::internal
