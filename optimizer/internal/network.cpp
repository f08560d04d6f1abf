#include "optimizer/internal/network.h"

#include "optimizer/internal/tensor_view.h"

#include <algorithm>
#include <cmath>

namespace rnnopt::internal {

void NetworkState::reset() {
  lstm.reset();
  if (dnc) dnc->reset();
  head_input.setZero();
  output.setZero();
}

Network Network::from_file(const ModelFile& file, const std::string& source) {
  const Manifest& m = file.manifest;
  Network net;
  net.layout_ = FeatureLayout::from_manifest(m, source);
  const int hs = m.hidden_size;
  int head_in = hs;
  if (m.architecture == "dnc") {
    if (!m.dnc) throw ModelError(source + ": dnc model without dnc sizes");
    DncWeights dnc;
    dnc.sizes = DncSizesInt{m.dnc->memory_slots, m.dnc->word_size, m.dnc->read_heads};
    const int rw = dnc.sizes.r * dnc.sizes.w;
    net.lstm_ = LstmWeights::from_tensors(file.tensors, "controller.", m.num_layers,
                                          net.layout_.width + rw, hs, source);
    const std::int64_t z = dnc.sizes.interface_size();
    dnc.interface_w = matrix_of(find_tensor(file, "interface.w", {z, hs}, source));
    dnc.interface_b = vector_of(find_tensor(file, "interface.b", {z}, source));
    net.dnc_ = std::move(dnc);
    head_in = hs + rw;
  } else if (m.architecture == "lstm") {
    net.lstm_ = LstmWeights::from_tensors(file.tensors, "lstm.", m.num_layers, net.layout_.width,
                                          hs, source);
  } else {
    throw ModelError(source + ": unknown architecture \"" + m.architecture + "\"");
  }
  net.head_w_ = matrix_of(find_tensor(file, "head.w", {m.d_max, head_in}, source));
  net.head_b_ = vector_of(find_tensor(file, "head.b", {m.d_max}, source));
  return net;
}

NetworkState Network::initial_state() const {
  NetworkState state;
  state.lstm = LstmState(lstm_);
  if (dnc_) {
    state.dnc.emplace(dnc_->sizes);
    state.head_input = VecF::Zero(head_w_.cols());
  }
  state.output = VecF::Zero(head_w_.rows());
  return state;
}

void Network::step(NetworkState& state) const {
  if (!dnc_) {
    lstm_step(lstm_, state.lstm);
    const int top = static_cast<int>(lstm_.layers.size()) - 1;
    state.output.noalias() = head_w_ * state.lstm.h(top);
    state.output += head_b_;
    return;
  }
  DncState& mem = *state.dnc;
  const int rw = dnc_->sizes.r * dnc_->sizes.w;
  // Controller input [features, r_{t-1}].
  std::copy(mem.read_vectors.data(), mem.read_vectors.data() + rw,
            state.lstm.input() + layout_.width);
  lstm_step(lstm_, state.lstm);
  const int top = static_cast<int>(lstm_.layers.size()) - 1;
  const auto h = state.lstm.h(top);
  dnc_memory_step(*dnc_, h.data(), mem);
  const Eigen::Index hs = h.size();
  state.head_input.head(hs) = h;
  state.head_input.tail(rw) = Eigen::Map<const VecF>(mem.read_vectors.data(), rw);
  state.output.noalias() = head_w_ * state.head_input;
  state.output += head_b_;
}

OutputMap parse_output_map(const std::string& name) {
  if (name == "clip") return OutputMap::kClip;
  if (name == "sin") return OutputMap::kSin;
  if (name == "sin_best") return OutputMap::kSinBest;
  return OutputMap::kTanh;
}

bool map_output(const VecF& o, int d, OutputMap map, const VecF& best, double* out) {
  for (int i = 0; i < d; ++i) {
    const double v = o[i];
    if (!std::isfinite(v)) return false;
    switch (map) {
      case OutputMap::kClip:
        out[i] = std::clamp(v, -1.0, 1.0);
        break;
      case OutputMap::kSin:
        out[i] = static_cast<double>(std::sin(o[i]));
        break;
      case OutputMap::kSinBest:
        out[i] = static_cast<double>(std::sin(std::asin(best[i]) + o[i]));
        break;
      case OutputMap::kTanh:
        out[i] = static_cast<double>(std::tanh(o[i]));
        break;
    }
  }
  return true;
}

}  // namespace rnnopt::internal
