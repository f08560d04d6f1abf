#include "baselines/spearmint.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "baselines/internal/candidate_search.h"
#include "baselines/internal/gp.h"
#include "baselines/internal/gp_state.h"
#include "baselines/internal/hyper_posterior.h"
#include "baselines/internal/model_data.h"
#include "baselines/internal/slice_sampler.h"
#include "baselines/sobol_sequence.h"
#include "core/parallel_for.h"

namespace rnnopt::baselines {
namespace {

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

void require_positive(std::string_view where, const char* name, double v) {
  if (!(v > 0.0) || !std::isfinite(v)) fail(where, std::string(name) + " must be positive");
}

const SpearmintOptions& validated(const SpearmintOptions& o) {
  o.validate();
  return o;
}

const FixedGpOptions& validated(const FixedGpOptions& o, const Box& box, std::string_view where) {
  box.validate(where);
  o.validate(where, box.dim());
  return o;
}

Eigen::MatrixXd make_grid(const Box& box, const SearchOptions& s, std::string_view where) {
  box.validate(where);
  if (box.dim() > SobolSequence::max_dim()) {
    fail(where, std::to_string(box.dim()) + " dims, at most " +
                    std::to_string(SobolSequence::max_dim()) + " supported");
  }
  return sobol_grid(box.dim(), s.grid_size, static_cast<std::uint64_t>(s.grid_seed));
}

// Block 1 of the sampler: (mean, amp2[, noise]).
Eigen::VectorXd pack_block1(const internal::GpHypers& h, bool noisy) {
  Eigen::VectorXd v(noisy ? 3 : 2);
  v[0] = h.mean;
  v[1] = h.amp2;
  if (noisy) v[2] = h.noise;
  return v;
}
void unpack_block1(const Eigen::VectorXd& v, internal::GpHypers& h, bool noisy) {
  h.mean = v[0];
  h.amp2 = v[1];
  if (noisy) h.noise = v[2];
}
// Block 2: (ls, alpha, beta), or ls alone without warping.
Eigen::VectorXd pack_block2(const internal::GpHypers& h) {
  const int d = h.dim();
  Eigen::VectorXd v(h.warp ? 3 * d : d);
  v.head(d) = h.ls;
  if (h.warp) {
    v.segment(d, d) = h.alpha;
    v.tail(d) = h.beta;
  }
  return v;
}
void unpack_block2(const Eigen::VectorXd& v, internal::GpHypers& h) {
  const int d = h.dim();
  h.ls = v.head(d);
  if (h.warp) {
    h.alpha = v.segment(d, d);
    h.beta = v.tail(d);
  }
}

}  // namespace

void SpearmintOptions::validate() const {
  constexpr std::string_view where = "SpearmintOptions::validate()";
  if (initial_design < 1) fail(where, "initial_design must be >= 1");
  if (burn_in < 0) fail(where, "burn_in must be >= 0");
  if (mcmc_iters < 1) fail(where, "mcmc_iters must be >= 1");
  require_positive(where, "slice_width", slice_width);
  if (max_steps_out < 0) fail(where, "max_steps_out must be >= 0");
  if (!(jitter >= 0.0) || !std::isfinite(jitter)) fail(where, "jitter must be >= 0");
  require_positive(where, "mean_prior_sd", mean_prior_sd);
  require_positive(where, "amp2_scale", amp2_scale);
  require_positive(where, "max_ls", max_ls);
  if (max_ls <= 1.0) fail(where, "max_ls must exceed 1 (the initial length-scale)");
  require_positive(where, "noise_scale", noise_scale);
  require_positive(where, "warp_sigma", warp_sigma);
  require_positive(where, "warp_min", warp_min);
  if (!(warp_min < 1.0 && warp_max > 1.0) || !std::isfinite(warp_max)) {
    fail(where, "need warp_min < 1 < warp_max (the initial warping is the identity)");
  }
  search.validate(where);
}

// ---------------------------------------------------------------------------------------------
// SpearmintOptimizer

SpearmintOptimizer::SpearmintOptimizer(Box box, SpearmintOptions options, std::uint64_t seed)
    : Optimizer(box, "SpearmintOptimizer::SpearmintOptimizer()"),
      options_(validated(options)),
      rng_(seed),
      grid_(make_grid(box, options.search, "SpearmintOptimizer::SpearmintOptimizer()")) {
  internal::HyperPriors priors;
  priors.mean_sd = options_.mean_prior_sd;
  priors.amp2_scale = options_.amp2_scale;
  priors.max_ls = options_.max_ls;
  priors.noise_scale = options_.noise_scale;
  priors.warp_sigma = options_.warp_sigma;
  priors.warp_min = options_.warp_min;
  priors.warp_max = options_.warp_max;
  posterior_ = std::make_unique<internal::HyperPosterior>(KernelKind::kMatern52, priors,
                                                          options_.noisy, options_.jitter);
  sampler_ = std::make_unique<internal::SliceSampler>(
      internal::SliceOptions{options_.slice_width, options_.max_steps_out, 200});
  state_ = GpHypers::defaults(dim());
  state_.warp = options_.warp;
  if (options_.noisy) state_.noise = 1e-6;  // Spearmint's initial noise
}

SpearmintOptimizer::~SpearmintOptimizer() = default;

std::vector<GpHypers> SpearmintOptimizer::hyper_samples() const {
  std::vector<GpHypers> out;
  for (const auto& m : models_) out.push_back(m.hypers());
  return out;
}

void SpearmintOptimizer::do_observe(const Observation&) { fitted_ = false; }

void SpearmintOptimizer::fit() {
  const Eigen::MatrixXd u = internal::unit_rows(history(), box());
  const Eigen::VectorXd y =
      internal::Standardizer::fit(internal::values(history())).apply(internal::values(history()));
  posterior_->set_data(u, y);
  internal::GpHypers h = state_;
  auto log_p = [&](const internal::GpHypers& g) { return posterior_->log_density(g); };
  double lp = log_p(h);
  if (!std::isfinite(lp)) {
    // The chain's state does not fit the new data (K not PD): restart from the initial values.
    h = internal::GpHypers::defaults(dim());
    h.warp = options_.warp;
    if (options_.noisy) h.noise = 1e-6;
    lp = log_p(h);
    ++stats_.numerical_trouble;
  }
  const bool noisy = options_.noisy;
  auto log_p1 = [&](const Eigen::VectorXd& v) {
    internal::GpHypers g = h;
    unpack_block1(v, g, noisy);
    return log_p(g);
  };
  auto log_p2 = [&](const Eigen::VectorXd& v) {
    internal::GpHypers g = h;
    unpack_block2(v, g);
    return log_p(g);
  };
  const int burn = std::max(0, options_.burn_in - chain_length_);
  std::vector<internal::GpHypers> samples;
  const int stuck_before = sampler_->stuck();
  for (int it = 0; it < burn + options_.mcmc_iters; ++it) {
    if (std::isfinite(lp)) {
      unpack_block1(sampler_->random_direction(pack_block1(h, noisy), lp, log_p1, rng_), h, noisy);
      unpack_block2(sampler_->coordinatewise(pack_block2(h), lp, log_p2, rng_), h);
    }
    ++chain_length_;
    ++stats_.mcmc_iterations;
    if (it >= burn) samples.push_back(h);
  }
  stats_.sampler_stuck += sampler_->stuck() - stuck_before;
  state_ = h;

  models_.clear();
  for (const auto& s : samples) models_.emplace_back(KernelKind::kMatern52, s, options_.jitter);
  parallel_for(static_cast<int>(models_.size()), options_.search.num_threads,
               [&](int k) { models_[k].fit(u, y); });
  for (const auto& m : models_) stats_.numerical_trouble += m.numerical_trouble();
  ++stats_.fits;
  fitted_ = true;
}

Eigen::VectorXd SpearmintOptimizer::do_propose() {
  const int n_obs = static_cast<int>(history().size());
  const int n_pending = static_cast<int>(pending().size());
  if (n_obs < options_.initial_design) {
    return box().from_unit(internal::sobol_point(dim(), n_obs + n_pending));
  }
  if (!fitted_) fit();
  const Eigen::MatrixXd pend = internal::unit_rows(pending(), box());
  const std::vector<internal::GpPosterior> models =
      internal::with_fantasies(models_, pend, options_.search.num_threads);
  internal::Acquisition acq;
  for (const auto& m : models) acq.targets.push_back(m.targets().minCoeff());
  return box().from_unit(internal::choose_point(models, acq, grid_,
                                                internal::unit_rows(history(), box()), pend,
                                                options_.search, rng_, stats_));
}

void SpearmintOptimizer::do_save_state(StateWriter& w) const {
  w.tag("spearmint");
  w.integer(options_.noisy ? 1 : 0);
  w.integer(options_.warp ? 1 : 0);
  w.text(rng_.state());
  internal::write_stats(w, stats_);
  w.integer(chain_length_);
  internal::write_hypers(w, state_);
  // The hyper-samples in use, when they match the history (else the next proposal re-fits).
  w.integer(fitted_ ? static_cast<long long>(models_.size()) : -1);
  if (fitted_) {
    for (const auto& m : models_) internal::write_hypers(w, m.hypers());
  }
}

std::function<void()> SpearmintOptimizer::do_restore_state(StateReader& r) {
  r.expect("spearmint");
  if ((r.integer() != 0) != options_.noisy || (r.integer() != 0) != options_.warp) {
    r.fail("the state was saved with other options (noisy, warp)");
  }
  const Rng rng = read_rng(r);
  const GpOptimizerStats stats = internal::read_stats(r);
  const int chain_length = static_cast<int>(r.count(2'000'000'000));
  const GpHypers state = internal::read_hypers(r, dim());
  const long long samples = r.integer();
  if (samples < -1 || samples > 1'000'000) r.fail("malformed saved state: bad sample count");
  std::vector<GpHypers> hypers;
  for (long long k = 0; k < samples; ++k) hypers.push_back(internal::read_hypers(r, dim()));
  return [this, rng, stats, chain_length, state, samples, hypers] {
    rng_ = rng;
    stats_ = stats;
    chain_length_ = chain_length;
    state_ = state;
    models_.clear();
    fitted_ = samples >= 0;
    if (fitted_) {
      // The same data and the same computation as fit(): bit-identical posteriors.
      const Eigen::MatrixXd u = internal::unit_rows(history(), box());
      const Eigen::VectorXd y = internal::Standardizer::fit(internal::values(history()))
                                    .apply(internal::values(history()));
      for (const auto& h : hypers) models_.emplace_back(KernelKind::kMatern52, h, options_.jitter);
      parallel_for(static_cast<int>(models_.size()), options_.search.num_threads,
                   [&](int k) { models_[k].fit(u, y); });
    }
    sampler_ = std::make_unique<internal::SliceSampler>(
        internal::SliceOptions{options_.slice_width, options_.max_steps_out, 200});
  };
}

// ---------------------------------------------------------------------------------------------
// SpearmintFixed

SpearmintFixed::SpearmintFixed(Box box, FixedGpOptions options, std::uint64_t seed)
    : Optimizer(box, "SpearmintFixed::SpearmintFixed()"),
      options_(validated(options, box, "SpearmintFixed::SpearmintFixed()")),
      rng_(seed),
      grid_(make_grid(box, options.search, "SpearmintFixed::SpearmintFixed()")) {}

SpearmintFixed::~SpearmintFixed() = default;

void SpearmintFixed::do_observe(const Observation& obs) {
  internal::observe_fixed_gp(options_, box(), obs,
                             {rng_, stats_, model_, model_stale_, model_fit_size_});
}

Eigen::VectorXd SpearmintFixed::do_propose() {
  const int n_obs = static_cast<int>(history().size());
  const int n_pending = static_cast<int>(pending().size());
  if (n_obs < options_.initial_design) {
    return box().from_unit(internal::sobol_point(dim(), n_obs + n_pending));
  }
  const Eigen::MatrixXd u = internal::unit_rows(history(), box());
  const internal::GpPosterior& model = internal::current_fixed_gp(
      options_, *this, u, {rng_, stats_, model_, model_stale_, model_fit_size_});
  const Eigen::MatrixXd pend = internal::unit_rows(pending(), box());
  const std::vector<internal::GpPosterior> models =
      internal::with_fantasies({model}, pend, options_.search.num_threads);
  internal::Acquisition acq;
  acq.targets.push_back(models[0].targets().minCoeff());
  return box().from_unit(
      internal::choose_point(models, acq, grid_, u, pend, options_.search, rng_, stats_));
}

void SpearmintFixed::do_save_state(StateWriter& w) const {
  w.tag("spearmint-fixed");
  internal::write_fixed_gp_state(w, rng_, stats_, model_.get(), model_stale_, model_fit_size_);
}

std::function<void()> SpearmintFixed::do_restore_state(StateReader& r) {
  r.expect("spearmint-fixed");
  return internal::read_fixed_gp_state(r, options_, *this,
                                       {rng_, stats_, model_, model_stale_, model_fit_size_});
}

}  // namespace rnnopt::baselines
