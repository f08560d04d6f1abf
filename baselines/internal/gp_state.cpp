#include "baselines/internal/gp_state.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "baselines/internal/model_data.h"

namespace rnnopt::baselines::internal {

void write_hypers(StateWriter& w, const GpHypers& h) {
  w.integer(h.warp ? 1 : 0);
  w.real(h.mean);
  w.real(h.amp2);
  w.real(h.noise);
  w.reals(h.ls);
  w.reals(h.alpha);
  w.reals(h.beta);
}

GpHypers read_hypers(StateReader& r, int d) {
  GpHypers h;
  h.warp = r.integer() != 0;
  h.mean = r.real();
  h.amp2 = r.real();
  h.noise = r.real();
  h.ls = r.vector(d);
  // alpha and beta are empty until warping parameters exist; their sizes are checked, not assumed.
  const auto read_any = [&r, d]() {
    const long long n = r.integer();
    if (n != 0 && n != d)
      r.fail("malformed saved state: a warping vector has " + std::to_string(n) + " values");
    Eigen::VectorXd v(n);
    for (long long i = 0; i < n; ++i) v[i] = r.real();
    return v;
  };
  h.alpha = read_any();
  h.beta = read_any();
  const bool finite = std::isfinite(h.mean) && std::isfinite(h.amp2) && std::isfinite(h.noise) &&
                      h.ls.allFinite() && h.alpha.allFinite() && h.beta.allFinite();
  if (!finite) r.fail("malformed saved state: a hyper-parameter is not finite");
  return h;
}

void write_stats(StateWriter& w, const GpOptimizerStats& s) {
  w.integer(s.fits);
  w.integer(s.mcmc_iterations);
  w.integer(s.sampler_stuck);
  w.integer(s.numerical_trouble);
  w.integer(s.lbfgs_failures);
  w.integer(s.refined_wins);
}

GpOptimizerStats read_stats(StateReader& r) {
  GpOptimizerStats s;
  constexpr long long kMax = 2'000'000'000;
  s.fits = static_cast<int>(r.count(kMax));
  s.mcmc_iterations = static_cast<int>(r.count(kMax));
  s.sampler_stuck = static_cast<int>(r.count(kMax));
  s.numerical_trouble = static_cast<int>(r.count(kMax));
  s.lbfgs_failures = static_cast<int>(r.count(kMax));
  s.refined_wins = static_cast<int>(r.count(kMax));
  return s;
}

std::unique_ptr<GpPosterior> rebuild_fixed_posterior(const FixedGpOptions& options, const Box& box,
                                                     const std::vector<Observation>& history,
                                                     int fit_size) {
  const std::vector<Observation> first(history.begin(), history.begin() + fit_size);
  auto model = std::make_unique<GpPosterior>(
      fit_fixed_posterior(options, box, first, unit_rows(first, box)));
  for (std::size_t i = static_cast<std::size_t>(fit_size); i < history.size(); ++i) {
    model->add(box.to_unit(history[i].x).cwiseMax(0.0).cwiseMin(1.0), history[i].y);
  }
  return model;
}

void observe_fixed_gp(const FixedGpOptions& options, const Box& box, const Observation& obs,
                      FixedGpMembers members) {
  if (options.standardize_y || members.model_stale || !members.model) {
    members.model_stale = true;
    return;
  }
  members.model->add(box.to_unit(obs.x).cwiseMax(0.0).cwiseMin(1.0), obs.y);
}

const GpPosterior& current_fixed_gp(const FixedGpOptions& options, const Optimizer& self,
                                    const Eigen::MatrixXd& u, FixedGpMembers members) {
  if (members.model_stale || !members.model) {
    members.model =
        std::make_unique<GpPosterior>(fit_fixed_posterior(options, self.box(), self.history(), u));
    members.model_stale = false;
    members.model_fit_size = static_cast<int>(self.history().size());
    ++members.stats.fits;
  }
  members.stats.numerical_trouble = members.model->numerical_trouble();
  return *members.model;
}

void write_fixed_gp_state(StateWriter& w, const Rng& rng, const GpOptimizerStats& stats,
                          const GpPosterior* model, bool model_stale, int model_fit_size) {
  w.text(rng.state());
  write_stats(w, stats);
  w.integer(model && !model_stale ? model_fit_size : -1);
}

std::function<void()> read_fixed_gp_state(StateReader& r, const FixedGpOptions& options,
                                          const Optimizer& self, FixedGpMembers members) {
  const Rng rng = read_rng(r);
  const GpOptimizerStats stats = read_stats(r);
  const long long fit_size = r.integer();
  if (fit_size < -1 || fit_size == 0 || fit_size > 100'000'000) {
    r.fail("malformed saved state: bad model size");
  }
  return [&options, &self, members, rng, stats, fit_size] {
    members.rng = rng;
    members.stats = stats;
    members.model.reset();
    members.model_stale = true;
    members.model_fit_size = 0;
    if (fit_size > 0 && static_cast<std::size_t>(fit_size) <= self.history().size()) {
      members.model =
          rebuild_fixed_posterior(options, self.box(), self.history(), static_cast<int>(fit_size));
      members.model_stale = false;
      members.model_fit_size = static_cast<int>(fit_size);
    }
  };
}

}  // namespace rnnopt::baselines::internal
