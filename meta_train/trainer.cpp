// Trainer (trainer.h): construction, one training iteration, validation. The pieces live in
// meta_train/internal/: the GP sampler (gp_batch), the losses' posterior (gp_posterior), the
// parallel schedule (completion_schedule), the fed-back inputs (feed_state), the losses (loss.h,
// losses/), the rollouts (rollout); checkpoints and export in trainer_checkpoint.cpp and
// trainer_export.cpp.
#include "meta_train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "core/rng.h"
#include "meta_train/internal/blas_threads.h"
#include "meta_train/internal/completion_schedule.h"
#include "meta_train/internal/trainer_impl.h"

namespace rnnopt::train {

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

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

internal::EpisodeOptions episode_options(const TrainConfig& c,
                                         const std::vector<internal::WeightedLoss>& losses,
                                         int horizon) {
  internal::EpisodeOptions eo;
  eo.horizon = horizon;
  eo.budget_horizon = c.horizon_end;  // the engine divides by the model's horizon too
  eo.losses = losses;
  eo.clip_penalty = c.clip_penalty;
  eo.running_normalisation = c.y_normalisation == "running";
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

}  // namespace

Trainer::Impl::Impl(TrainConfig c, TrainerOptions o)
    : config(std::move(c)),
      options(std::move(o)),
      device(torch::kCPU),
      net(net_spec(config), derive_seed(config.seed, 0x1417)) {
  for (const LossTerm& term : config.loss_terms()) {
    losses.push_back({internal::make_loss(term.name), term.weight});
  }
}

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
      group.feed.push_back(internal::completion_schedule(horizon, c.workers, c.runtime_sigma, rng));
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
    group.gp = internal::make_gp_batch(params, torch::kFloat32, m.device);
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
    feed.push_back(internal::completion_schedule(s.horizon, c.workers, c.runtime_sigma, rng));
  }
  const internal::GpBatch gp = internal::make_gp_batch(params, torch::kFloat32, m.device);
  s.timing.sampler = seconds_since(t0);

  for (auto& group : m.adam->param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(s.lr);
  }
  m.adam->zero_grad();
  t0 = Clock::now();
  const internal::EpisodeResult r =
      internal::run_episode(m.net, gp, feed, episode_options(c, m.losses, s.horizon), &s.timing);
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
  // No losses: the regret only.
  const internal::EpisodeOptions eo = episode_options(m.config, {}, v.horizon);
  std::vector<double> regrets;
  for (const auto& group : m.validation) {
    const internal::EpisodeResult r =
        internal::run_episode(m.net, group.gp, group.feed, eo, nullptr);
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

}  // namespace rnnopt::train
