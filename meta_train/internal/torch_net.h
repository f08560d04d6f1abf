// rnnopt/meta_train/internal/torch_net.h: the LibTorch networks of MODEL_FORMAT.md section 4
// (stacked LSTM and DNC), batched over B functions, and the feature vector of section 3.
// Private to meta_train/ (includes torch). Parameters are plain tensors named exactly as in the
// model file, so export and checkpoints need no renaming.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rnnopt::train::internal {

struct NetSpec {
  std::string architecture = "lstm";
  int hidden_size = 128;
  int num_layers = 2;
  int memory_slots = 16;
  int word_size = 16;
  int read_heads = 2;
  int d_max = 2;
  std::vector<std::string> input_features = {"x", "y"};
  std::string output_map = "tanh";

  int feature_width() const;
  bool is_dnc() const { return architecture == "dnc"; }
  // Size Z of the DNC interface vector.
  int interface_size() const;
  // The parameter names and shapes, in a fixed order.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> parameter_shapes() const;
};

// Recurrent state of a batch of B episodes. For the LSTM only h, c are used.
struct NetState {
  std::vector<torch::Tensor> h, c;  // per layer, [B, H]
  torch::Tensor memory;             // [B, N, W]
  torch::Tensor usage;              // [B, N]
  torch::Tensor precedence;         // [B, N]
  torch::Tensor link;               // [B, N, N]
  torch::Tensor read_weights;       // [B, R, N]
  torch::Tensor write_weights;      // [B, N]
  torch::Tensor reads;              // [B, R, W]
};

class Net {
 public:
  // Initialises the weights from rnnopt::Rng(seed): uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) and
  // a forget-gate bias of 1.
  Net(NetSpec spec, std::uint64_t seed);

  const NetSpec& spec() const { return spec_; }
  std::vector<std::pair<std::string, torch::Tensor>>& named_parameters() { return params_; }
  const std::vector<std::pair<std::string, torch::Tensor>>& named_parameters() const {
    return params_;
  }
  std::vector<torch::Tensor> parameters() const;
  const torch::Tensor& param(const std::string& name) const;
  void to(torch::Device device);

  NetState initial_state(std::int64_t batch, torch::Device device) const;
  // One step: features [B, F] -> raw output o [B, d_max]; advances `state`. Prepare() must have
  // been called after the last weight change (it builds the fused LSTM weights of this forward).
  torch::Tensor step(const torch::Tensor& features, NetState& state) const;
  void prepare() const;
  // x = tanh(o), clip(o, -1, 1), sin(o) or sin(asin(best_x) + o) ("sin_best"; best_x [B, d_max]
  // the canonical incumbent, zeros before any observation).
  torch::Tensor output_map(const torch::Tensor& o, const torch::Tensor& best_x) const;

 private:
  torch::Tensor lstm_stack(torch::Tensor u, NetState& state) const;

  NetSpec spec_;
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  mutable std::vector<torch::Tensor> fused_w_;  // per layer [I_l + H, 4H] = [w_ih, w_hh]^T
  mutable std::vector<torch::Tensor> bias_;     // per layer [4H]
};

// The feature vector of MODEL_FORMAT.md section 3 in the spec's order. x_fed [B, d_max] (zeros
// beyond d), y_fed, flag, best_y [B, 1]; mask, best_x [B, d_max]; budget a number.
torch::Tensor build_features(const NetSpec& spec, const torch::Tensor& x_fed,
                             const torch::Tensor& y_fed, const torch::Tensor& flag,
                             const torch::Tensor& mask, double budget, const torch::Tensor& best_y,
                             const torch::Tensor& best_x);

}  // namespace rnnopt::train::internal
