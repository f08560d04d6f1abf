#include "meta_train/internal/torch_net.h"

#include <cmath>
#include <stdexcept>

#include "core/rng.h"

namespace rnnopt::train::internal {

int NetSpec::feature_width() const {
  int f = 0;
  for (const auto& name : input_features) f += (name == "x" || name == "mask" || name == "best_x") ? d_max : 1;
  return f;
}

int NetSpec::interface_size() const {
  const int r = read_heads, w = word_size;
  return r * w + r + w + 1 + w + w + r + 1 + 1 + 3 * r;
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> NetSpec::parameter_shapes() const {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> out;
  const std::int64_t h = hidden_size;
  const std::string prefix = is_dnc() ? "controller." : "lstm.";
  const std::int64_t in0 = feature_width() + (is_dnc() ? read_heads * word_size : 0);
  for (int l = 0; l < num_layers; ++l) {
    const std::string p = prefix + std::to_string(l) + ".";
    out.push_back({p + "w_ih", {4 * h, l == 0 ? in0 : h}});
    out.push_back({p + "w_hh", {4 * h, h}});
    out.push_back({p + "b", {4 * h}});
  }
  std::int64_t head_in = h;
  if (is_dnc()) {
    out.push_back({"interface.w", {interface_size(), h}});
    out.push_back({"interface.b", {interface_size()}});
    head_in += static_cast<std::int64_t>(read_heads) * word_size;
  }
  out.push_back({"head.w", {d_max, head_in}});
  out.push_back({"head.b", {d_max}});
  return out;
}

Net::Net(NetSpec spec, std::uint64_t seed) : spec_(std::move(spec)) {
  Rng rng(seed);
  const auto shapes = spec_.parameter_shapes();
  const std::int64_t head_in = shapes[shapes.size() - 2].second[1];
  for (const auto& [name, shape] : shapes) {
    // PyTorch's LSTM initialisation: U(-1/sqrt(H), 1/sqrt(H)); the head by its fan-in.
    const std::int64_t fan_in = name.starts_with("head.") ? head_in : spec_.hidden_size;
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    std::int64_t numel = 1;
    for (auto s : shape) numel *= s;
    std::vector<float> values(numel);
    for (auto& v : values) v = static_cast<float>(rng.uniform(-bound, bound));
    if (name.ends_with(".b") && name.find("head") == std::string::npos &&
        name.find("interface") == std::string::npos) {
      // forget gate (second quarter) starts open: a common LSTM initialisation.
      for (int i = spec_.hidden_size; i < 2 * spec_.hidden_size; ++i) values[i] += 1.0f;
    }
    torch::Tensor t = torch::from_blob(values.data(), shape, torch::kFloat32).clone();
    t.set_requires_grad(true);
    params_.emplace_back(name, t);
  }
  prepare();
}

std::vector<torch::Tensor> Net::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& [name, t] : params_) out.push_back(t);
  return out;
}

const torch::Tensor& Net::param(const std::string& name) const {
  for (const auto& [n, t] : params_) {
    if (n == name) return t;
  }
  throw std::invalid_argument("Net::param(): no parameter " + name);
}

void Net::to(torch::Device device) {
  torch::NoGradGuard guard;
  for (auto& [name, t] : params_) {
    t = t.to(device).detach().set_requires_grad(true);
  }
  prepare();
}

void Net::prepare() const {
  fused_w_.clear();
  bias_.clear();
  const std::string prefix = spec_.is_dnc() ? "controller." : "lstm.";
  for (int l = 0; l < spec_.num_layers; ++l) {
    const std::string p = prefix + std::to_string(l) + ".";
    fused_w_.push_back(torch::cat({param(p + "w_ih"), param(p + "w_hh")}, 1).t());
    bias_.push_back(param(p + "b"));
  }
}

NetState Net::initial_state(std::int64_t batch, torch::Device device) const {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  NetState s;
  for (int l = 0; l < spec_.num_layers; ++l) {
    s.h.push_back(torch::zeros({batch, spec_.hidden_size}, opts));
    s.c.push_back(torch::zeros({batch, spec_.hidden_size}, opts));
  }
  if (spec_.is_dnc()) {
    const std::int64_t n = spec_.memory_slots, w = spec_.word_size, r = spec_.read_heads;
    s.memory = torch::zeros({batch, n, w}, opts);
    s.usage = torch::zeros({batch, n}, opts);
    s.precedence = torch::zeros({batch, n}, opts);
    s.link = torch::zeros({batch, n, n}, opts);
    s.read_weights = torch::zeros({batch, r, n}, opts);
    s.write_weights = torch::zeros({batch, n}, opts);
    s.reads = torch::zeros({batch, r, w}, opts);
  }
  return s;
}

torch::Tensor Net::lstm_stack(torch::Tensor u, NetState& state) const {
  for (int l = 0; l < spec_.num_layers; ++l) {
    // z = w_ih u + w_hh h + b, gates i, f, g, o in PyTorch's order (MODEL_FORMAT.md section 4).
    const torch::Tensor z = torch::addmm(bias_[l], torch::cat({u, state.h[l]}, 1), fused_w_[l]);
    const auto gates = z.chunk(4, 1);
    const torch::Tensor c =
        torch::sigmoid(gates[1]) * state.c[l] + torch::sigmoid(gates[0]) * torch::tanh(gates[2]);
    const torch::Tensor h = torch::sigmoid(gates[3]) * torch::tanh(c);
    state.c[l] = c;
    state.h[l] = h;
    u = h;
  }
  return u;
}

namespace {

torch::Tensor oneplus(const torch::Tensor& z) { return 1.0 + torch::softplus(z); }

// C(M, k, beta): softmax over slots of beta * cosine similarity; memory [B, N, W], keys [B, K, W],
// beta [B, K] -> [B, K, N].
torch::Tensor content_weights(const torch::Tensor& memory, const torch::Tensor& keys,
                              const torch::Tensor& beta) {
  const torch::Tensor dots = torch::bmm(keys, memory.transpose(1, 2));
  const torch::Tensor mnorm = torch::sqrt((memory * memory).sum(-1) + 1e-6);
  const torch::Tensor knorm = torch::sqrt((keys * keys).sum(-1) + 1e-6);
  const torch::Tensor cosine = dots / (knorm.unsqueeze(2) * mnorm.unsqueeze(1));
  return torch::softmax(beta.unsqueeze(2) * cosine, -1);
}

}  // namespace

torch::Tensor Net::step(const torch::Tensor& features, NetState& state) const {
  if (!spec_.is_dnc()) {
    const torch::Tensor h = lstm_stack(features, state);
    return torch::addmm(param("head.b"), h, param("head.w").t());
  }
  const std::int64_t batch = features.size(0);
  const std::int64_t n = spec_.memory_slots, w = spec_.word_size, r = spec_.read_heads;
  const torch::Tensor h = lstm_stack(torch::cat({features, state.reads.flatten(1)}, 1), state);
  const torch::Tensor xi = torch::addmm(param("interface.b"), h, param("interface.w").t());
  std::int64_t at = 0;
  auto take = [&](std::int64_t size) {
    torch::Tensor part = xi.narrow(1, at, size);
    at += size;
    return part;
  };
  const torch::Tensor read_keys = take(r * w).view({batch, r, w});
  const torch::Tensor read_strength = oneplus(take(r));
  const torch::Tensor write_key = take(w).view({batch, 1, w});
  const torch::Tensor write_strength = oneplus(take(1));
  const torch::Tensor erase = torch::sigmoid(take(w));
  const torch::Tensor write_vec = take(w);
  const torch::Tensor free_gates = torch::sigmoid(take(r));
  const torch::Tensor alloc_gate = torch::sigmoid(take(1));
  const torch::Tensor write_gate = torch::sigmoid(take(1));
  const torch::Tensor modes = torch::softmax(take(3 * r).view({batch, r, 3}), -1);

  // 1. Retention and usage.
  const torch::Tensor psi = (1.0 - free_gates.unsqueeze(2) * state.read_weights).prod(1);
  const torch::Tensor usage =
      (state.usage + state.write_weights - state.usage * state.write_weights) * psi;
  // 2. Allocation weights over the stable ascending sort of the usage.
  const auto [sorted, order] = torch::sort(usage, /*stable=*/true, /*dim=*/1, /*descending=*/false);
  const torch::Tensor exclusive =
      torch::cat({torch::ones({batch, 1}, usage.options()), sorted.narrow(1, 0, n - 1)}, 1)
          .cumprod(1);
  const torch::Tensor alloc =
      torch::zeros_like(usage).scatter(1, order, (1.0 - sorted) * exclusive);
  // 3. Write weights.
  const torch::Tensor write_content =
      content_weights(state.memory, write_key, write_strength).squeeze(1);
  const torch::Tensor ww = write_gate * (alloc_gate * alloc + (1.0 - alloc_gate) * write_content);
  // 4. Memory.
  const torch::Tensor memory = state.memory * (1.0 - ww.unsqueeze(2) * erase.unsqueeze(1)) +
                               ww.unsqueeze(2) * write_vec.unsqueeze(1);
  // 5. Temporal link and precedence.
  const torch::Tensor eye = torch::eye(n, usage.options());
  const torch::Tensor link = ((1.0 - ww.unsqueeze(2) - ww.unsqueeze(1)) * state.link +
                              ww.unsqueeze(2) * state.precedence.unsqueeze(1)) *
                             (1.0 - eye);
  const torch::Tensor precedence = (1.0 - ww.sum(1, true)) * state.precedence + ww;
  // 6. Read weights and read vectors.
  const torch::Tensor fwd = torch::bmm(state.read_weights, link.transpose(1, 2));
  const torch::Tensor bwd = torch::bmm(state.read_weights, link);
  const torch::Tensor read_content = content_weights(memory, read_keys, read_strength);
  const torch::Tensor rw = modes.narrow(2, 0, 1) * bwd + modes.narrow(2, 1, 1) * read_content +
                           modes.narrow(2, 2, 1) * fwd;
  const torch::Tensor reads = torch::bmm(rw, memory);

  state.memory = memory;
  state.usage = usage;
  state.precedence = precedence;
  state.link = link;
  state.read_weights = rw;
  state.write_weights = ww;
  state.reads = reads;
  // 7. Head on [h, r_1, ..., r_R].
  return torch::addmm(param("head.b"), torch::cat({h, reads.flatten(1)}, 1), param("head.w").t());
}

torch::Tensor Net::output_map(const torch::Tensor& o, const torch::Tensor& best_x) const {
  if (spec_.output_map == "sin") return torch::sin(o);
  // The incumbent's position is held constant here: asin has an infinite slope at +-1.
  if (spec_.output_map == "sin_best") return torch::sin(torch::asin(best_x.detach()) + o);
  return spec_.output_map == "tanh" ? torch::tanh(o) : torch::clamp(o, -1.0, 1.0);
}

torch::Tensor build_features(const NetSpec& spec, const torch::Tensor& x_fed,
                             const torch::Tensor& y_fed, const torch::Tensor& flag,
                             const torch::Tensor& mask, double budget,
                             const torch::Tensor& best_y, const torch::Tensor& best_x) {
  std::vector<torch::Tensor> parts;
  for (const auto& name : spec.input_features) {
    if (name == "x") {
      parts.push_back(x_fed);
    } else if (name == "y") {
      parts.push_back(y_fed);
    } else if (name == "flag") {
      parts.push_back(flag);
    } else if (name == "mask") {
      parts.push_back(mask);
    } else if (name == "budget") {
      parts.push_back(torch::full_like(y_fed, budget));
    } else if (name == "best_y") {
      parts.push_back(best_y);
    } else if (name == "best_x") {
      parts.push_back(best_x);
    }
  }
  return torch::cat(parts, 1);
}

}  // namespace rnnopt::train::internal
