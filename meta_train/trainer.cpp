// The LibTorch side of the meta-trainer: GP sampler, losses, episodes, Adam, checkpoints, export.
#include "meta_train/trainer.h"

#include "meta_train/internal/blas_threads.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <queue>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "core/kernel.h"
#include "core/rng.h"
#include "meta_train/internal/checkpoint_file.h"
#include "meta_train/internal/torch_net.h"

namespace rnnopt::train {
namespace {

// The log_ei loss's floor on log EI (EI ~ 1e-13 for a unit-variance prior), below which it is
// compressed logarithmically: an already queried point must not dominate the loss.
constexpr double kLogEiFloor = -30.0;

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// GP sampler: the random-Fourier-feature functions of functions/gp_sample.h, batched [B, M, d].

struct GpBatch {
  int d = 0;
  torch::Tensor omega;   // [B, M, d]
  torch::Tensor phase;   // [B, M]
  torch::Tensor weight;  // [B, M], scale * weight
  torch::Tensor inv_ls;  // [B, d], 1 / length-scale (for the EI loss's kernel)
};

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

// f(x) = sum_m scale w_m cos(omega_m . x + phase_m); x [B, d] -> [B]. Differentiable in x.
torch::Tensor gp_value(const GpBatch& g, const torch::Tensor& x) {
  // A broadcast product rather than bmm: with d in the single digits, bmm's per-matrix GEMM calls
  // cost far more than the arithmetic (measured: 10x slower forward and backward).
  const torch::Tensor proj = (g.omega * x.unsqueeze(1)).sum(2);
  return (g.weight * torch::cos(proj + g.phase)).sum(1);
}

// ---------------------------------------------------------------------------------------------
// GP posterior with the prior's known hyper-parameters, grown one observation at a time through
// an incremental Cholesky factor (Chen et al. 2017, section 2.2), for the EI loss
// (section 2.1, Eq. 4).

class GpPosterior {
 public:
  GpPosterior(KernelKind kernel, double variance, torch::Tensor inv_ls, double jitter)
      : kernel_(kernel), variance_(variance), inv_ls_(std::move(inv_ls)), jitter_(jitter) {}

  int size() const { return n_; }

  // k(X_i, x) for the stored points X [B, n, d] and x [B, d] -> [B, n].
  torch::Tensor cross_kernel(const torch::Tensor& x) const {
    const torch::Tensor diff = (x_obs_ - x.unsqueeze(1)) * inv_ls_.unsqueeze(1);
    const torch::Tensor r2 = (diff * diff).sum(-1);
    if (kernel_ == KernelKind::kRbf) return variance_ * torch::exp(-0.5 * r2);
    // Matern-5/2; the small constant keeps the gradient of r finite at duplicated points.
    const torch::Tensor r = torch::sqrt(r2 + 1e-12);
    const double s5 = std::sqrt(5.0);
    return variance_ * (1.0 + s5 * r + (5.0 / 3.0) * r2) * torch::exp(-s5 * r);
  }

  // Expected improvement over the best observation at x [B, d] -> [B]; requires size() >= 1.
  // With query_id >= 0 the solve is cached for a later add() of the same point.
  torch::Tensor expected_improvement(const torch::Tensor& x, int query_id) {
    const auto [improvement, sigma] = improvement_and_sigma(x, query_id);
    const torch::Tensor z = improvement / sigma;
    const torch::Tensor cdf = 0.5 * torch::erfc(-z / std::numbers::sqrt2);
    const torch::Tensor pdf = torch::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    return improvement * cdf + sigma * pdf;
  }

  // log EI at x [B, d] -> [B], accurate where EI itself underflows (the log_ei loss). With
  // EI = sigma h(z), z = (best - mu) / sigma, h(z) = z Phi(z) + phi(z): for z > -1 log h directly;
  // for z <= -1, h(z) = phi(z) (1 - u m(u)), u = -z, with Mills' ratio
  // m(u) = Phi(-u) / phi(u) = sqrt(pi / 2) erfcx(u / sqrt 2), in float64 (1 - u m(u) ~ 1 / u^2).
  torch::Tensor log_expected_improvement(const torch::Tensor& x, int query_id) {
    const auto [improvement, sigma] = improvement_and_sigma(x, query_id);
    const torch::Tensor z = (improvement / sigma).to(torch::kFloat64);
    const double log_sqrt_2pi = 0.5 * std::log(2.0 * std::numbers::pi);
    const torch::Tensor zh = torch::clamp_min(z, -1.0);
    const torch::Tensor high = torch::log(zh * 0.5 * torch::erfc(-zh / std::numbers::sqrt2) +
                                          torch::exp(-0.5 * zh * zh - log_sqrt_2pi));
    const torch::Tensor u = torch::clamp(-z, 1.0, 1e4);
    const torch::Tensor mills =
        std::sqrt(std::numbers::pi / 2.0) * torch::special::erfcx(u / std::numbers::sqrt2);
    const torch::Tensor low =
        -0.5 * u * u - log_sqrt_2pi + torch::log(torch::clamp_min(1.0 - u * mills, 1e-300));
    const torch::Tensor log_h = torch::where(z > -1.0, high, low).to(sigma.scalar_type());
    return torch::log(sigma) + log_h;
  }

  // The posterior mean and variance of the latent function at x [B, d] -> ([B], [B]).
  std::pair<torch::Tensor, torch::Tensor> mean_and_variance(const torch::Tensor& x) const {
    const torch::Tensor v = solve(x);
    return {(v * alpha_).sum(1),
            torch::clamp_min(variance_ - (v * v).sum(1), 1e-10 * variance_)};
  }

  // Adds the observation (x [B, d], y [B]).
  void add(const torch::Tensor& x, const torch::Tensor& y, int query_id) {
    const double diag = variance_ * (1.0 + jitter_);
    if (n_ == 0) {
      l_ = torch::full({x.size(0), 1, 1}, std::sqrt(diag), x.options());
      alpha_ = (y / std::sqrt(diag)).unsqueeze(1);
      x_obs_ = x.unsqueeze(1);
      best_ = y;
      n_ = 1;
      return;
    }
    const torch::Tensor v =
        (query_id >= 0 && query_id == cached_id_ && cached_n_ == n_) ? cached_v_ : solve(x);
    const torch::Tensor dd =
        torch::sqrt(torch::clamp_min(diag - (v * v).sum(1), variance_ * jitter_));
    const torch::Tensor right = torch::zeros({x.size(0), n_, 1}, x.options());
    const torch::Tensor row = torch::cat({v, dd.unsqueeze(1)}, 1).unsqueeze(1);
    l_ = torch::cat({torch::cat({l_, right}, 2), row}, 1);
    alpha_ = torch::cat({alpha_, ((y - (v * alpha_).sum(1)) / dd).unsqueeze(1)}, 1);
    x_obs_ = torch::cat({x_obs_, x.unsqueeze(1)}, 1);
    best_ = torch::minimum(best_, y);
    ++n_;
  }

 private:
  // (best - mu(x), sigma(x)), [B] each; with query_id >= 0 the solve is cached for add().
  std::pair<torch::Tensor, torch::Tensor> improvement_and_sigma(const torch::Tensor& x,
                                                                int query_id) {
    const torch::Tensor v = solve(x);
    if (query_id >= 0) {
      cached_id_ = query_id;
      cached_n_ = n_;
      cached_v_ = v;
    }
    const torch::Tensor mu = (v * alpha_).sum(1);
    const torch::Tensor var = torch::clamp_min(variance_ - (v * v).sum(1), 1e-10 * variance_);
    return {best_ - mu, torch::sqrt(var)};
  }

  // v = L^{-1} k(X, x), [B, n].
  torch::Tensor solve(const torch::Tensor& x) const {
    return torch::linalg_solve_triangular(l_, cross_kernel(x).unsqueeze(2), /*upper=*/false)
        .squeeze(2);
  }

  KernelKind kernel_;
  double variance_;
  torch::Tensor inv_ls_;
  double jitter_;
  int n_ = 0;
  torch::Tensor l_, alpha_, x_obs_, best_;
  int cached_id_ = -1, cached_n_ = -1;
  torch::Tensor cached_v_;
};

// ---------------------------------------------------------------------------------------------
// Parallel evaluation (Chen et al. 2017, section 2.3): which query's result is fed at each step.
// feed[t] = -1 for the N start-up dummies, else the query index whose evaluation completed next,
// with runtimes ~ U(1 - sigma, 1 + sigma).

std::vector<int> completion_schedule(int horizon, int workers, double sigma, Rng& rng) {
  std::vector<int> feed(horizon, -1);
  if (workers <= 1) {
    for (int t = 1; t < horizon; ++t) feed[t] = t - 1;
    return feed;
  }
  using Event = std::pair<double, int>;  // (finish time, query)
  std::priority_queue<Event, std::vector<Event>, std::greater<>> running;
  for (int t = 0; t < horizon; ++t) {
    double now = 0.0;
    if (t >= workers) {
      const Event done = running.top();
      running.pop();
      feed[t] = done.second;
      now = done.first;
    }
    running.emplace(now + rng.uniform(1.0 - sigma, 1.0 + sigma), t);
  }
  return feed;
}

struct EpisodeOptions {
  int horizon = 10;
  double budget_horizon = 10.0;  // the denominator of the budget feature
  std::string loss = "oi";
  bool need_loss = true;
  double clip_penalty = 1.0;
  std::string y_normalisation = "running";
  double y_eps = 1e-6;
  KernelKind kernel = KernelKind::kRbf;
  double variance = 1.0;
  double ei_jitter = 1e-4;
};

struct EpisodeResult {
  torch::Tensor loss;    // scalar, mean over the batch of the summed loss
  torch::Tensor best_f;  // [B], min_t f(x_t), detached
};

// Rolls the network out on a batch of GP functions (MODEL_FORMAT.md sections 3, 4 and 6) and
// accumulates the loss (Chen et al. 2017, section 2.1, Eqs. 3-5).
EpisodeResult run_episode(const internal::Net& net, const GpBatch& gp,
                          const std::vector<std::vector<int>>& feed, const EpisodeOptions& eo,
                          StepTiming* timing) {
  const internal::NetSpec& spec = net.spec();
  const std::int64_t b = gp.omega.size(0);
  const int d = gp.d;
  const auto opts = gp.omega.options().dtype(torch::kFloat32);
  const bool sequential = std::all_of(feed.begin(), feed.end(), [&](const std::vector<int>& f) {
    for (std::size_t t = 1; t < f.size(); ++t) {
      if (f[t] != static_cast<int>(t) - 1) return false;
    }
    return true;
  });
  net.prepare();
  internal::NetState state = net.initial_state(b, gp.omega.device());
  torch::Tensor mask = torch::zeros({b, spec.d_max}, opts);
  mask.narrow(1, 0, d).fill_(1.0);
  torch::Tensor x_fed = torch::zeros({b, spec.d_max}, opts);
  torch::Tensor y_fed = torch::zeros({b, 1}, opts);
  torch::Tensor flag = torch::zeros({b, 1}, opts);
  torch::Tensor best_fed = torch::zeros({b, 1}, opts);
  torch::Tensor best_x_fed = torch::zeros({b, spec.d_max}, opts);
  std::vector<torch::Tensor> queries, values;
  int observed = 0;
  torch::Tensor obs_sum, obs_sumsq, obs_min;
  torch::Tensor total = torch::zeros({b}, opts);
  torch::Tensor running_min;
  std::optional<GpPosterior> posterior;
  if (eo.need_loss && (eo.loss == "ei" || eo.loss == "log_ei")) {
    posterior.emplace(eo.kernel, eo.variance, gp.inv_ls, eo.ei_jitter);
  }
  const auto arange =
      torch::arange(b, torch::TensorOptions().dtype(torch::kLong).device(gp.omega.device()));
  double gp_seconds = 0.0, loss_seconds = 0.0;
  for (int t = 0; t < eo.horizon; ++t) {
    const torch::Tensor features = internal::build_features(
        spec, x_fed, y_fed, flag, mask, t / eo.budget_horizon, best_fed, best_x_fed);
    const torch::Tensor o = net.step(features, state);
    const torch::Tensor xq = net.output_map(o, best_x_fed) * mask;
    const torch::Tensor xd = xq.narrow(1, 0, d);
    auto start = Clock::now();
    const torch::Tensor f = gp_value(gp, xd);
    gp_seconds += seconds_since(start);
    start = Clock::now();
    if (eo.need_loss) {
      if (eo.loss == "sum") {
        total = total + f;
      } else if (eo.loss == "oi" && t > 0) {
        // min(f(x_t) - min_{i<t} f(x_i), 0), the running minimum held constant.
        total = total + torch::clamp_max(f - running_min, 0.0);
      } else if (eo.loss == "ei" && posterior->size() > 0) {
        total = total - posterior->expected_improvement(xd, sequential ? t : -1);
      } else if (eo.loss == "log_ei" && posterior->size() > 0) {
        // Every step weighs the same whatever the scale of its EI, so refining near the incumbent
        // (EI ~ 1e-8) is rewarded like the first exploratory steps (EI ~ 1e-1). Below
        // kLogEiFloor (an already queried point, EI ~ 0) the log is compressed to log(1 + gap):
        // C1 at the floor, still decreasing, bounded in practice. Divided by the horizon.
        const torch::Tensor l = posterior->log_expected_improvement(xd, sequential ? t : -1);
        const torch::Tensor floored =
            torch::where(l >= kLogEiFloor, l,
                         kLogEiFloor - torch::log1p(torch::clamp_min(kLogEiFloor - l, 0.0)));
        total = total - floored / static_cast<double>(eo.horizon);
      }
      if (spec.output_map == "clip" && eo.clip_penalty > 0.0) {
        total = total + eo.clip_penalty * torch::relu(o.abs() - 1.0).narrow(1, 0, d).sum(1);
      }
    }
    loss_seconds += seconds_since(start);
    running_min = t == 0 ? f.detach() : torch::minimum(running_min, f.detach());
    queries.push_back(xq);
    values.push_back(f);
    if (t + 1 >= eo.horizon || feed.front()[t + 1] < 0) continue;  // dummies: inputs stay 0
    torch::Tensor xj, yj;
    int query_id = -1;
    if (sequential) {
      xj = xq;
      yj = f;
      query_id = t;
    } else {
      std::vector<std::int64_t> idx(b);
      for (std::int64_t i = 0; i < b; ++i) idx[i] = feed[i][t + 1];
      const torch::Tensor index = torch::tensor(idx, torch::kLong).to(gp.omega.device());
      xj = torch::stack(queries, 1).index({arange, index});
      yj = torch::stack(values, 1).index({arange, index});
    }
    // Statistics of the observations so far, the fed one included (MODEL_FORMAT.md section 3),
    // kept incrementally in double and held constant for the gradient.
    const torch::Tensor yd = yj.detach().to(torch::kFloat64);
    // The incumbent's position (earliest on ties), as the engine keeps it.
    const torch::Tensor improves =
        (observed == 0 ? torch::ones_like(yd, torch::kBool) : yd < obs_min).unsqueeze(1);
    best_x_fed = torch::where(improves, xj, best_x_fed);
    ++observed;
    obs_sum = observed == 1 ? yd : obs_sum + yd;
    obs_sumsq = observed == 1 ? yd * yd : obs_sumsq + yd * yd;
    obs_min = observed == 1 ? yd : torch::minimum(obs_min, yd);
    if (eo.y_normalisation == "running") {
      const torch::Tensor mean = obs_sum / observed;
      const torch::Tensor sd =
          torch::sqrt(torch::clamp_min(obs_sumsq / observed - mean * mean, 0.0));
      const torch::Tensor denom = (sd + eo.y_eps).to(torch::kFloat32);
      const torch::Tensor mean32 = mean.to(torch::kFloat32);
      y_fed = ((yj - mean32) / denom).unsqueeze(1);
      best_fed = ((obs_min - mean) / (sd + eo.y_eps)).to(torch::kFloat32).unsqueeze(1);
    } else {
      y_fed = yj.unsqueeze(1);
      best_fed = obs_min.to(torch::kFloat32).unsqueeze(1);
    }
    x_fed = xj;
    flag = torch::ones({b, 1}, opts);
    if (posterior) {
      start = Clock::now();
      posterior->add(xj.narrow(1, 0, d), yj, query_id);
      loss_seconds += seconds_since(start);
    }
  }
  if (timing != nullptr) {
    timing->gp_eval = gp_seconds;
    timing->loss = loss_seconds;
  }
  EpisodeResult result;
  result.loss = total.mean();
  result.best_f = std::get<0>(torch::stack(values, 1).detach().min(1));
  return result;
}

internal::NetSpec net_spec(const TrainConfig& c) {
  internal::NetSpec s;
  s.architecture = c.architecture;
  s.hidden_size = c.hidden_size;
  s.num_layers = c.num_layers;
  s.memory_slots = c.memory_slots;
  s.word_size = c.word_size;
  s.read_heads = c.read_heads;
  s.d_max = c.effective_d_max();
  s.input_features = c.input_features;
  s.output_map = c.output_map;
  return s;
}

EpisodeOptions episode_options(const TrainConfig& c, int horizon) {
  EpisodeOptions eo;
  eo.horizon = horizon;
  eo.budget_horizon = c.horizon_end;  // the engine divides by the model's horizon too
  eo.loss = c.loss;
  eo.clip_penalty = c.clip_penalty;
  eo.y_normalisation = c.y_normalisation;
  eo.y_eps = c.y_eps;
  eo.kernel = c.prior.kernel;
  eo.variance = c.prior.variance;
  eo.ei_jitter = c.ei_jitter;
  return eo;
}

// Seeds: training function b of iteration i uses stream 2 (i B + b), validation function k
// stream 2 k + 1, so the two sets are disjoint (derive_seed is injective in the stream).
std::uint64_t training_seed(const TrainConfig& c, int iteration, int b) {
  return derive_seed(c.seed, 2 * (static_cast<std::uint64_t>(iteration) * c.batch_size + b));
}
std::uint64_t validation_seed(const TrainConfig& c, int k) {
  return derive_seed(c.seed, 2 * static_cast<std::uint64_t>(k) + 1);
}
constexpr std::uint64_t kIterationStream = 0x7a11'0c0f'fee5'0001ULL;
constexpr std::uint64_t kGoldenStream = 0x601d'e17a'ce00'0002ULL;

// A single sequential rollout with double-precision y-normalisation: the engine's path
// (MODEL_FORMAT.md section 5), for the golden trace and the parity tests.
class Stepper {
 public:
  Stepper(const internal::Net& net, int d, double horizon, double eps, bool running)
      : net_(net), d_(d), horizon_(horizon), eps_(eps), running_(running) {
    net_.prepare();
    state_ = net_.initial_state(1, torch::kCPU);
    const int dm = net_.spec().d_max;
    x_fed_ = torch::zeros({1, dm});
    y_fed_ = torch::zeros({1, 1});
    flag_ = torch::zeros({1, 1});
    best_ = torch::zeros({1, 1});
    best_x_ = torch::zeros({1, dm});
    mask_ = torch::zeros({1, dm});
    mask_.narrow(1, 0, d).fill_(1.0);
  }

  std::vector<double> propose() {
    torch::NoGradGuard guard;
    const torch::Tensor features = internal::build_features(net_.spec(), x_fed_, y_fed_, flag_,
                                                            mask_, t_ / horizon_, best_, best_x_);
    const torch::Tensor x = net_.output_map(net_.step(features, state_), best_x_).contiguous();
    ++t_;
    std::vector<double> out(d_);
    for (int i = 0; i < d_; ++i) out[i] = x[0][i].item<float>();
    return out;
  }

  void observe(const std::vector<double>& x, double y) {
    const bool improves = ys_.empty() || y < *std::min_element(ys_.begin(), ys_.end());
    ys_.push_back(y);
    double mean = 0.0;
    for (double v : ys_) mean += v;
    mean /= static_cast<double>(ys_.size());
    double var = 0.0;
    for (double v : ys_) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / static_cast<double>(ys_.size()));
    const double lowest = *std::min_element(ys_.begin(), ys_.end());
    const double yt = running_ ? (y - mean) / (sd + eps_) : y;
    const double bt = running_ ? (lowest - mean) / (sd + eps_) : lowest;
    x_fed_ = torch::zeros({1, net_.spec().d_max});
    for (int i = 0; i < d_; ++i) x_fed_[0][i] = static_cast<float>(x[i]);
    if (improves) best_x_ = x_fed_.clone();
    y_fed_ = torch::full({1, 1}, static_cast<float>(yt));
    best_ = torch::full({1, 1}, static_cast<float>(bt));
    flag_ = torch::ones({1, 1});
  }

 private:
  const internal::Net& net_;
  int d_;
  double horizon_, eps_;
  bool running_;
  int t_ = 0;
  internal::NetState state_;
  torch::Tensor x_fed_, y_fed_, flag_, best_, best_x_, mask_;
  std::vector<double> ys_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Trainer::Impl {
  Impl(TrainConfig c, TrainerOptions o)
      : config(std::move(c)),
        options(std::move(o)),
        device(torch::kCPU),
        net(net_spec(config), derive_seed(config.seed, 0x1417)) {}

  TrainConfig config;
  TrainerOptions options;
  torch::Device device;
  internal::Net net;
  std::unique_ptr<torch::optim::Adam> adam;
  int iteration = 0;

  struct ValidationGroup {
    GpBatch gp;
    std::vector<std::vector<int>> feed;
    std::vector<double> minima;
  };
  std::vector<ValidationGroup> validation;
};

Trainer::Trainer(TrainConfig config, TrainerOptions options) {
  config.validate();
  if (options.threads < 1) throw std::invalid_argument("Trainer::Trainer(): threads must be >= 1");
  if (options.device != "cpu" && options.device != "cuda") {
    throw std::invalid_argument("Trainer::Trainer(): device must be cpu or cuda");
  }
  if (options.device == "cuda" && !torch::cuda::is_available()) {
    throw std::invalid_argument("Trainer::Trainer(): --device cuda, but this LibTorch has no CUDA");
  }
  torch::set_num_threads(options.threads);
  rnnopt::train::internal::set_blas_threads(options.threads);
  impl_ = std::make_unique<Impl>(std::move(config), std::move(options));
  Impl& m = *impl_;
  if (m.options.device == "cuda") {
    m.device = torch::Device(torch::kCUDA);
    m.net.to(m.device);
  }
  m.adam = std::make_unique<torch::optim::Adam>(m.net.parameters(),
                                                torch::optim::AdamOptions(m.config.lr));
  // Held-out validation functions, grouped by dimension.
  const TrainConfig& c = m.config;
  const int horizon = c.effective_validation_horizon();
  const std::string cache_header = "rnnopt-validation-minima/1 " + c.prior.describe();
  const bool use_cache = m.options.compute_known_minima && !m.options.minima_cache.empty();
  MinimaCache cached =
      use_cache ? read_minima_cache(m.options.minima_cache, cache_header) : MinimaCache{};
  const std::size_t cached_before = cached.size();
  for (int d : c.dims) {
    std::vector<functions::GpSampleParams> params;
    Impl::ValidationGroup group;
    for (int k = 0; k < c.validation_functions; ++k) {
      if (c.dims[k % c.dims.size()] != d) continue;
      const std::uint64_t seed = validation_seed(c, k);
      params.push_back(functions::draw_gp_params(c.prior, d, seed));
      Rng rng(derive_seed(seed, kIterationStream));
      group.feed.push_back(completion_schedule(horizon, c.workers, c.runtime_sigma, rng));
      double minimum = 0.0;
      if (m.options.compute_known_minima) {
        const auto hit = cached.find({seed, d});
        if (hit != cached.end()) {
          minimum = hit->second;
        } else {
          minimum = *functions::draw_gp_sample(c.prior, d, seed)->known_minimum();
          cached[{seed, d}] = minimum;
        }
      }
      group.minima.push_back(minimum);
    }
    if (params.empty()) continue;
    group.gp = make_gp_batch(params, torch::kFloat32, m.device);
    m.validation.push_back(std::move(group));
  }
  if (use_cache && cached.size() != cached_before) {
    write_minima_cache(m.options.minima_cache, cache_header, cached);
  }
}

Trainer::~Trainer() = default;

const TrainConfig& Trainer::config() const { return impl_->config; }
int Trainer::iteration() const { return impl_->iteration; }

double Trainer::learning_rate() const {
  const TrainConfig& c = impl_->config;
  const double progress = std::min(1.0, static_cast<double>(impl_->iteration) / c.steps);
  return c.lr * std::pow(c.lr_final / c.lr, progress);
}

StepStats Trainer::train_step() {
  Impl& m = *impl_;
  const TrainConfig& c = m.config;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  StepStats s;
  Rng rng(derive_seed(derive_seed(c.seed, kIterationStream), m.iteration));
  s.d = c.dims[rng.uniform_int(c.dims.size())];
  s.horizon = c.horizon_at(m.iteration);
  s.lr = learning_rate();

  auto t0 = Clock::now();
  std::vector<functions::GpSampleParams> params;
  std::vector<std::vector<int>> feed;
  for (int b = 0; b < c.batch_size; ++b) {
    params.push_back(functions::draw_gp_params(c.prior, s.d, training_seed(c, m.iteration, b)));
    feed.push_back(completion_schedule(s.horizon, c.workers, c.runtime_sigma, rng));
  }
  const GpBatch gp = make_gp_batch(params, torch::kFloat32, m.device);
  s.timing.sampler = seconds_since(t0);

  for (auto& group : m.adam->param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(s.lr);
  }
  m.adam->zero_grad();
  t0 = Clock::now();
  const EpisodeResult r = run_episode(m.net, gp, feed, episode_options(c, s.horizon), &s.timing);
  s.timing.forward = seconds_since(t0) - s.timing.loss - s.timing.gp_eval;
  t0 = Clock::now();
  r.loss.backward();
  s.timing.backward = seconds_since(t0);
  t0 = Clock::now();
  const auto parameters = m.net.parameters();
  if (c.grad_clip > 0.0) {
    s.grad_norm = torch::nn::utils::clip_grad_norm_(parameters, c.grad_clip);
  } else {
    double sq = 0.0;
    for (const auto& p : parameters) sq += p.grad().pow(2).sum().item<double>();
    s.grad_norm = std::sqrt(sq);
  }
  m.adam->step();
  s.timing.update = seconds_since(t0);
  ++m.iteration;
  s.iteration = m.iteration;
  s.loss = r.loss.item<double>();
  s.mean_best_y = r.best_f.mean().item<double>();
  s.seconds = seconds_since(start);
  s.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return s;
}

ValidationResult Trainer::validate() {
  Impl& m = *impl_;
  torch::NoGradGuard guard;
  ValidationResult v;
  v.iteration = m.iteration;
  v.horizon = m.config.effective_validation_horizon();
  EpisodeOptions eo = episode_options(m.config, v.horizon);
  eo.need_loss = false;
  std::vector<double> regrets;
  for (const auto& group : m.validation) {
    const EpisodeResult r = run_episode(m.net, group.gp, group.feed, eo, nullptr);
    const torch::Tensor best = r.best_f.to(torch::kCPU, torch::kFloat64).contiguous();
    for (std::size_t i = 0; i < group.minima.size(); ++i) {
      regrets.push_back(best[static_cast<std::int64_t>(i)].item<double>() - group.minima[i]);
    }
  }
  v.functions = static_cast<int>(regrets.size());
  double mean = 0.0;
  for (double r : regrets) mean += r;
  mean /= v.functions;
  double var = 0.0;
  for (double r : regrets) var += (r - mean) * (r - mean);
  var /= std::max(1, v.functions - 1);
  v.mean_regret = mean;
  v.ci95 = 1.96 * std::sqrt(var / v.functions);
  return v;
}

// Checkpoints store every tensor by name (issue 17): "param.<name>" for each weight and
// "adam.step.<name>", "adam.m.<name>", "adam.v.<name>" for its Adam state (absent before the
// first step), so that two tensors of the same shape can never be swapped by a change of order,
// and a checkpoint of another network is refused naming the tensor and both shapes.
namespace {

// LibTorch keys an optimizer's per-parameter state by the address of the tensor's impl.
std::string adam_key(const torch::Tensor& p) {
  return c10::guts::to_string(p.unsafeGetTensorImpl());
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream os;
  os << t.sizes();
  return os.str();
}

}  // namespace

void Trainer::save_checkpoint(const std::string& path) const {
  const Impl& m = *impl_;
  torch::serialize::OutputArchive archive;
  const auto& state = m.adam->state();
  for (const auto& [name, p] : m.net.named_parameters()) {
    archive.write("param." + name, p.detach().to(torch::kCPU));
    const auto it = state.find(adam_key(p));
    if (it == state.end()) continue;
    const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
    archive.write("adam.step." + name, torch::tensor(s.step()));
    archive.write("adam.m." + name, s.exp_avg().to(torch::kCPU));
    archive.write("adam.v." + name, s.exp_avg_sq().to(torch::kCPU));
  }
  archive.write("iteration", torch::tensor(static_cast<std::int64_t>(m.iteration)));
  archive.write("horizon",
                torch::tensor(static_cast<std::int64_t>(m.config.horizon_at(m.iteration))));
  archive.write("seed", torch::tensor(static_cast<std::int64_t>(m.config.seed)));
  internal::save_archive_durably(archive, path, "Trainer::save_checkpoint()");
}

void Trainer::load_checkpoint(const std::string& path) {
  Impl& m = *impl_;
  const std::string where = "Trainer::load_checkpoint(): " + path + ": ";
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + "cannot read it (" + internal::error_text(e) + ")");
  }
  const auto& named = m.net.named_parameters();
  std::vector<torch::Tensor> params;
  std::vector<std::unique_ptr<torch::optim::AdamParamState>> adam(named.size());
  int iteration = 0;
  try {
    std::set<std::string> present;
    for (const std::string& k : archive.keys()) present.insert(k);
    if (present.contains("param0")) {
      throw std::runtime_error(where +
                               "stores its tensors by position (a checkpoint of an older rnnopt); "
                               "this version reads checkpoints by tensor name only");
    }
    std::set<std::string> expected{"iteration", "horizon", "seed"};
    for (const auto& [name, p] : named) {
      for (const char* prefix : {"param.", "adam.step.", "adam.m.", "adam.v."})
        expected.insert(prefix + name);
    }
    // The weights first (the clearest sign of another network), then everything else.
    auto refuse_unexpected = [&](bool weights) {
      for (const std::string& k : present) {
        if (k.starts_with("param.") == weights && !expected.contains(k)) {
          throw std::runtime_error(where + "has tensor " + k + ", which this network does not");
        }
      }
    };
    refuse_unexpected(true);
    for (const auto& [name, p] : named) {
      if (!present.contains("param." + name)) {
        throw std::runtime_error(where + "lacks tensor param." + name);
      }
    }
    refuse_unexpected(false);
    auto read = [&](const std::string& key) {
      if (!present.contains(key)) throw std::runtime_error(where + "lacks tensor " + key);
      torch::Tensor t;
      archive.read(key, t);
      return t;
    };
    auto read_like = [&](const std::string& key, const torch::Tensor& like) {
      torch::Tensor t = read(key);
      if (t.sizes() != like.sizes()) {
        throw std::runtime_error(where + "tensor " + key + " has shape " + shape_of(t) +
                                 ", the network expects " + shape_of(like));
      }
      return t.to(like.device(), like.scalar_type());
    };
    if (read("seed").item<std::int64_t>() != static_cast<std::int64_t>(m.config.seed)) {
      throw std::runtime_error(where + "the checkpoint was written with another seed");
    }
    // Everything is read and checked before anything changes.
    for (std::size_t i = 0; i < named.size(); ++i) {
      const auto& [name, p] = named[i];
      params.push_back(read_like("param." + name, p));
      const int parts = present.contains("adam.step." + name) + present.contains("adam.m." + name) +
                        present.contains("adam.v." + name);
      if (parts == 0) continue;  // saved before the first step
      if (parts != 3) throw std::runtime_error(where + "has a partial Adam state for " + name);
      adam[i] = std::make_unique<torch::optim::AdamParamState>();
      adam[i]->step(read("adam.step." + name).item<std::int64_t>());
      adam[i]->exp_avg(read_like("adam.m." + name, p));
      adam[i]->exp_avg_sq(read_like("adam.v." + name, p));
    }
    iteration = static_cast<int>(read("iteration").item<std::int64_t>());
  } catch (const c10::Error& e) {  // a damaged archive
    throw std::runtime_error(where + "cannot read it (" + internal::error_text(e) + ")");
  }
  torch::NoGradGuard guard;
  auto& state = m.adam->state();
  for (std::size_t i = 0; i < named.size(); ++i) {
    named[i].second.copy_(params[i]);
    const std::string key = adam_key(named[i].second);
    if (adam[i]) {
      state[key] = std::move(adam[i]);
    } else {
      state.erase(key);
    }
  }
  m.iteration = iteration;
}

std::vector<std::vector<double>> Trainer::rollout_queries(int d,
                                                          const std::vector<double>& y) const {
  const Impl& m = *impl_;
  if (d < 1 || d > m.config.effective_d_max()) {
    throw std::invalid_argument("Trainer::rollout_queries(): d out of [1, d_max]");
  }
  Stepper stepper(m.net, d, m.config.horizon_end, m.config.y_eps,
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
  training["loss"] = c.loss;
  training["seed"] = c.seed;
  training["iterations"] = m.iteration;
  training["config"] = config_to_json(c);
  man.training_json = training.dump();

  // Golden trace: the Torch module on a GP sample of the largest supported dimension.
  GoldenTrace golden;
  golden.d = *std::max_element(c.dims.begin(), c.dims.end());
  golden.tolerance = 1e-4;
  const auto f = functions::draw_gp_sample(c.prior, golden.d, derive_seed(c.seed, kGoldenStream));
  Stepper stepper(m.net, golden.d, c.horizon_end, c.y_eps, c.y_normalisation == "running");
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

std::vector<double> torch_gp_values(const std::vector<functions::GpSampleParams>& params,
                                    const std::vector<Eigen::VectorXd>& xs,
                                    std::vector<Eigen::VectorXd>* grads, bool float64) {
  if (params.empty() || params.size() != xs.size()) {
    throw std::invalid_argument("torch_gp_values(): need as many points as samples (>= 1)");
  }
  const auto dtype = float64 ? torch::kFloat64 : torch::kFloat32;
  const GpBatch gp = make_gp_batch(params, dtype, torch::kCPU);
  const std::int64_t b = static_cast<std::int64_t>(params.size());
  std::vector<double> flat;
  for (const auto& x : xs) {
    if (x.size() != gp.d) throw std::invalid_argument("torch_gp_values(): x of the wrong size");
    flat.insert(flat.end(), x.data(), x.data() + x.size());
  }
  torch::Tensor x =
      torch::from_blob(flat.data(), {b, gp.d}, torch::kFloat64).to(dtype).clone().requires_grad_();
  const torch::Tensor f = gp_value(gp, x);
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

namespace {

// A 1 x n float64 tensor holding v.
torch::Tensor float64_row(const Eigen::VectorXd& v) {
  return torch::from_blob(const_cast<double*>(v.data()), {1, v.size()}, torch::kFloat64).clone();
}

// The trainer's GP posterior on (X rows, y), one observation at a time, in float64 (the tests'
// helpers below). `who` names the caller in the size check.
GpPosterior test_posterior(const functions::GpPrior& prior, const Eigen::VectorXd& length_scales,
                           const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                           const Eigen::VectorXd& x, double jitter, const char* who) {
  if (X.rows() < 1 || X.rows() != y.size() || X.cols() != x.size() ||
      length_scales.size() != x.size()) {
    throw std::invalid_argument(std::string(who) + ": inconsistent sizes");
  }
  GpPosterior posterior(prior.kernel, prior.variance, float64_row(length_scales.cwiseInverse()),
                        jitter);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    posterior.add(float64_row(X.row(i).transpose()),
                  torch::full({1}, y(i), torch::TensorOptions().dtype(torch::kFloat64)), -1);
  }
  return posterior;
}

}  // namespace

double torch_expected_improvement(const functions::GpPrior& prior,
                                  const Eigen::VectorXd& length_scales, const Eigen::MatrixXd& X,
                                  const Eigen::VectorXd& y, const Eigen::VectorXd& x, double jitter,
                                  bool log) {
  torch::NoGradGuard guard;
  GpPosterior posterior = test_posterior(prior, length_scales, X, y, x, jitter,
                                         "torch_expected_improvement()");
  return log ? posterior.log_expected_improvement(float64_row(x), -1).item<double>()
             : posterior.expected_improvement(float64_row(x), -1).item<double>();
}

TorchGpPrediction torch_gp_prediction(const functions::GpPrior& prior,
                                      const Eigen::VectorXd& length_scales,
                                      const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                      const Eigen::VectorXd& x, double jitter) {
  torch::NoGradGuard guard;
  GpPosterior posterior =
      test_posterior(prior, length_scales, X, y, x, jitter, "torch_gp_prediction()");
  const auto [mean, var] = posterior.mean_and_variance(float64_row(x));
  return {mean.item<double>(), var.item<double>(),
          posterior.expected_improvement(float64_row(x), -1).item<double>()};
}

}  // namespace rnnopt::train
