// Trainer's export (trainer.h: export_model with its golden trace, set_weights, and
// rollout_queries, the engine-path rollout the parity tests compare with the engine).
#include <torch/torch.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/rng.h"
#include "meta_train/internal/rollout.h"
#include "meta_train/internal/trainer_impl.h"
#include "meta_train/trainer.h"

namespace rnnopt::train {
namespace {

constexpr std::uint64_t kGoldenStream = 0x601d'e17a'ce00'0002ULL;

}  // namespace

std::vector<std::vector<double>> Trainer::rollout_queries(int d,
                                                          const std::vector<double>& y) const {
  const Impl& m = *impl_;
  if (d < 1 || d > m.config.effective_d_max()) {
    throw std::invalid_argument("Trainer::rollout_queries(): d out of [1, d_max]");
  }
  internal::Stepper stepper(m.net, d, m.config.horizon_end, m.config.y_eps,
                            m.config.y_normalisation == "running");
  std::vector<std::vector<double>> out;
  for (double value : y) {
    out.push_back(stepper.propose());
    stepper.observe(out.back(), value);
  }
  return out;
}

void Trainer::set_weights(const ModelFile& file) {
  torch::NoGradGuard guard;
  for (auto& [name, t] : impl_->net.named_parameters()) {
    const auto it = file.tensors.find(name);
    if (it == file.tensors.end()) {
      throw std::invalid_argument("Trainer::set_weights(): the file has no tensor " + name);
    }
    if (it->second.numel() != t.numel()) {
      throw std::invalid_argument("Trainer::set_weights(): tensor " + name + " has another size");
    }
    std::vector<float> data = it->second.data;
    t.copy_(torch::from_blob(data.data(), t.sizes(), torch::kFloat32));
  }
}

ModelFile Trainer::export_model(const nlohmann::json& training_info) const {
  const Impl& m = *impl_;
  const TrainConfig& c = m.config;
  ModelFile file;
  Manifest& man = file.manifest;
  man.name = c.name;
  man.architecture = c.architecture;
  man.hidden_size = c.hidden_size;
  man.num_layers = c.num_layers;
  if (c.architecture == "dnc") man.dnc = DncSizes{c.memory_slots, c.word_size, c.read_heads};
  man.d_max = c.effective_d_max();
  man.dims = c.dims;
  man.input_features = c.input_features;
  man.output_map = c.output_map;
  man.y_normalisation.kind = c.y_normalisation;
  man.y_normalisation.eps = c.y_eps;
  man.horizon = c.horizon_end;
  man.parallel_workers = c.workers;
  nlohmann::json training = training_info.is_object() ? training_info : nlohmann::json::object();
  training["prior"] = c.prior.describe();
  training["loss"] = c.loss_label();
  if (!c.losses.empty()) training["losses"] = config_to_json(c).at("losses");
  training["seed"] = c.seed;
  training["iterations"] = m.iteration;
  training["config"] = config_to_json(c);
  man.training_json = training.dump();

  // Golden trace: the Torch module on a GP sample of the largest supported dimension.
  GoldenTrace golden;
  golden.d = *std::max_element(c.dims.begin(), c.dims.end());
  golden.tolerance = 1e-4;
  const auto f = functions::draw_gp_sample(c.prior, golden.d, derive_seed(c.seed, kGoldenStream));
  internal::Stepper stepper(m.net, golden.d, c.horizon_end, c.y_eps,
                            c.y_normalisation == "running");
  for (int t = 0; t < std::min(30, c.horizon_end); ++t) {
    const std::vector<double> q = stepper.propose();
    const double y = f->value_unchecked(Eigen::Map<const Eigen::VectorXd>(q.data(), golden.d));
    golden.queries.push_back(q);
    golden.y.push_back(y);
    stepper.observe(q, y);
  }
  man.golden_trace = golden;

  for (const auto& [name, t] : m.net.named_parameters()) {
    const torch::Tensor cpu = t.detach().to(torch::kCPU).contiguous();
    Tensor out;
    out.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
    out.data.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
    file.tensors.emplace(name, std::move(out));
  }
  return file;
}

}  // namespace rnnopt::train
