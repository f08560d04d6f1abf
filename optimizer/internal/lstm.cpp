#include "optimizer/internal/lstm.h"

namespace rnnopt::internal {
namespace {

const Tensor& find(const std::map<std::string, Tensor>& tensors, const std::string& name,
                   std::vector<std::int64_t> shape, const std::string& source) {
  const auto it = tensors.find(name);
  if (it == tensors.end()) throw ModelError(source + ": missing tensor \"" + name + "\"");
  if (it->second.shape != shape)
    throw ModelError(source + ": tensor \"" + name + "\" has the wrong shape");
  return it->second;
}

// Copies a row-major [rows, cols] tensor into columns [col0, col0 + cols) of m.
void copy_row_major(const Tensor& t, MatF& m, int col0) {
  const auto rows = t.shape[0];
  const auto cols = t.shape[1];
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) m(r, col0 + c) = t.data[r * cols + c];
  }
}

}  // namespace

LstmWeights LstmWeights::from_tensors(const std::map<std::string, Tensor>& tensors,
                                      const std::string& prefix, int num_layers, int input_size,
                                      int hidden_size, const std::string& source) {
  LstmWeights weights;
  weights.hidden_size = hidden_size;
  const std::int64_t h4 = 4 * static_cast<std::int64_t>(hidden_size);
  for (int l = 0; l < num_layers; ++l) {
    const int in = l == 0 ? input_size : hidden_size;
    const std::string p = prefix + std::to_string(l) + ".";
    const Tensor& w_ih = find(tensors, p + "w_ih", {h4, in}, source);
    const Tensor& w_hh = find(tensors, p + "w_hh", {h4, hidden_size}, source);
    const Tensor& b = find(tensors, p + "b", {h4}, source);
    LstmLayer layer;
    layer.input_size = in;
    layer.w.resize(h4, in + hidden_size);
    copy_row_major(w_ih, layer.w, 0);
    copy_row_major(w_hh, layer.w, in);
    layer.b = Eigen::Map<const VecF>(b.data.data(), h4);
    weights.layers.push_back(std::move(layer));
  }
  return weights;
}

LstmState::LstmState(const LstmWeights& weights) {
  const int hs = weights.hidden_size;
  for (const LstmLayer& layer : weights.layers) {
    concat.push_back(VecF::Zero(layer.input_size + hs));
    c.push_back(VecF::Zero(hs));
  }
  gates = VecF::Zero(4 * hs);
}

void LstmState::reset() {
  for (auto& v : concat) v.setZero();
  for (auto& v : c) v.setZero();
}

Eigen::Map<const VecF> LstmState::h(int l) const {
  const VecF& v = concat[l];
  const Eigen::Index hs = c[l].size();
  return Eigen::Map<const VecF>(v.data() + v.size() - hs, hs);
}

Eigen::Map<VecF> LstmState::h(int l) {
  VecF& v = concat[l];
  const Eigen::Index hs = c[l].size();
  return Eigen::Map<VecF>(v.data() + v.size() - hs, hs);
}

void lstm_step(const LstmWeights& weights, LstmState& state) {
  const Eigen::Index hs = weights.hidden_size;
  const int num_layers = static_cast<int>(weights.layers.size());
  for (int l = 0; l < num_layers; ++l) {
    const LstmLayer& layer = weights.layers[l];
    // z = w_ih u + w_hh h + b, gates in PyTorch's order i, f, g, o.
    state.gates.noalias() = layer.w * state.concat[l];
    state.gates += layer.b;
    auto i = state.gates.segment(0, hs).array();
    auto f = state.gates.segment(hs, hs).array();
    auto g = state.gates.segment(2 * hs, hs).array();
    auto o = state.gates.segment(3 * hs, hs).array();
    auto c = state.c[l].array();
    c = f.logistic() * c + i.logistic() * g.tanh();
    Eigen::Map<VecF> h = state.h(l);
    h.array() = o.logistic() * c.tanh();
    // The new h is the next layer's input.
    if (l + 1 < num_layers) state.concat[l + 1].head(hs) = h;
  }
}

}  // namespace rnnopt::internal
