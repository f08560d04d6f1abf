// The batched GP sampler of the direct design (gp_batch.h), and the tests' hook into it
// (torch_gp_values, trainer.h).
#include "meta_train/internal/gp_batch.h"

#include <cstdint>
#include <stdexcept>

#include "meta_train/trainer.h"

namespace rnnopt::train {
namespace internal {

GpBatch make_gp_batch(const std::vector<functions::GpSampleParams>& params, torch::Dtype dtype,
                      torch::Device device) {
  const auto b = static_cast<std::int64_t>(params.size());
  const auto m = static_cast<std::int64_t>(params.front().omega.rows());
  const auto d = static_cast<std::int64_t>(params.front().omega.cols());
  std::vector<double> omega(b * m * d), phase(b * m), weight(b * m), inv_ls(b * d);
  for (std::int64_t i = 0; i < b; ++i) {
    const auto& p = params[i];
    if (p.omega.rows() != m || p.omega.cols() != d) {
      throw std::invalid_argument("make_gp_batch(): samples of different shapes in one batch");
    }
    for (std::int64_t r = 0; r < m; ++r) {
      for (std::int64_t c = 0; c < d; ++c) omega[(i * m + r) * d + c] = p.omega(r, c);
      phase[i * m + r] = p.phase(r);
      weight[i * m + r] = p.scale * p.weight(r);
    }
    for (std::int64_t c = 0; c < d; ++c) {
      inv_ls[i * d + c] = 1.0 / p.length_scales(p.length_scales.size() == d ? c : 0);
    }
  }
  const auto to = [&](std::vector<double>& v, std::vector<std::int64_t> shape) {
    return torch::from_blob(v.data(), shape, torch::kFloat64).to(device, dtype).clone();
  };
  GpBatch g;
  g.d = static_cast<int>(d);
  g.omega = to(omega, {b, m, d});
  g.phase = to(phase, {b, m});
  g.weight = to(weight, {b, m});
  g.inv_ls = to(inv_ls, {b, d});
  return g;
}

torch::Tensor gp_value(const GpBatch& g, const torch::Tensor& x) {
  // A broadcast product rather than bmm: with d in the single digits, bmm's per-matrix GEMM calls
  // cost far more than the arithmetic (measured: 10x slower forward and backward).
  const torch::Tensor proj = (g.omega * x.unsqueeze(1)).sum(2);
  return (g.weight * torch::cos(proj + g.phase)).sum(1);
}

}  // namespace internal

std::vector<double> torch_gp_values(const std::vector<functions::GpSampleParams>& params,
                                    const std::vector<Eigen::VectorXd>& xs,
                                    std::vector<Eigen::VectorXd>* grads, bool float64) {
  if (params.empty() || params.size() != xs.size()) {
    throw std::invalid_argument("torch_gp_values(): need as many points as samples (>= 1)");
  }
  const auto dtype = float64 ? torch::kFloat64 : torch::kFloat32;
  const internal::GpBatch gp = internal::make_gp_batch(params, dtype, torch::kCPU);
  const std::int64_t b = static_cast<std::int64_t>(params.size());
  std::vector<double> flat;
  for (const auto& x : xs) {
    if (x.size() != gp.d) throw std::invalid_argument("torch_gp_values(): x of the wrong size");
    flat.insert(flat.end(), x.data(), x.data() + x.size());
  }
  torch::Tensor x =
      torch::from_blob(flat.data(), {b, gp.d}, torch::kFloat64).to(dtype).clone().requires_grad_();
  const torch::Tensor f = internal::gp_value(gp, x);
  std::vector<double> out(b);
  const torch::Tensor fd = f.detach().to(torch::kFloat64);
  for (std::int64_t i = 0; i < b; ++i) out[i] = fd[i].item<double>();
  if (grads != nullptr) {
    f.sum().backward();
    const torch::Tensor g = x.grad().to(torch::kFloat64);
    grads->assign(b, Eigen::VectorXd(gp.d));
    for (std::int64_t i = 0; i < b; ++i) {
      for (int j = 0; j < gp.d; ++j) (*grads)[i](j) = g[i][j].item<double>();
    }
  }
  return out;
}

}  // namespace rnnopt::train
