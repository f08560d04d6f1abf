#include "baselines/gp_ucb.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "baselines/internal/candidate_search.h"
#include "baselines/internal/gp.h"
#include "baselines/internal/gp_state.h"
#include "baselines/internal/model_data.h"
#include "baselines/sobol_sequence.h"

namespace rnnopt::baselines {
namespace {

constexpr std::string_view kWhere = "GpUcb::GpUcb()";

const GpUcbOptions& validated(const GpUcbOptions& o, const Box& box) {
  box.validate(kWhere);
  o.validate(kWhere, box.dim());
  if (box.dim() > SobolSequence::max_dim()) {
    throw std::invalid_argument(std::string(kWhere) + ": too many dimensions for the Sobol grid");
  }
  return o;
}

}  // namespace

void GpUcbOptions::validate(std::string_view where, int d) const {
  gp.validate(where, d);
  if (!(delta > 0.0 && delta < 1.0)) {
    throw std::invalid_argument(std::string(where) + ": delta must be in (0, 1)");
  }
  if (!(beta_scale > 0.0) || !std::isfinite(beta_scale)) {
    throw std::invalid_argument(std::string(where) + ": beta_scale must be positive");
  }
}

GpUcb::GpUcb(Box box, GpUcbOptions options, std::uint64_t seed)
    : Optimizer(box, kWhere),
      options_(validated(options, box)),
      rng_(seed),
      grid_(sobol_grid(box.dim(), options.gp.search.grid_size,
                       static_cast<std::uint64_t>(options.gp.search.grid_seed))) {}

GpUcb::~GpUcb() = default;

double GpUcb::beta() const {
  const double t = 1.0 + static_cast<double>(history().size());
  const double size = static_cast<double>(options_.gp.search.grid_size);
  return options_.beta_scale * 2.0 *
         std::log(size * t * t * std::numbers::pi * std::numbers::pi / (6.0 * options_.delta));
}

void GpUcb::do_observe(const Observation& obs) {
  if (options_.gp.standardize_y || model_stale_ || !model_) {
    model_stale_ = true;
    return;
  }
  model_->add(box().to_unit(obs.x).cwiseMax(0.0).cwiseMin(1.0), obs.y);
}

Eigen::VectorXd GpUcb::do_propose() {
  const int n_obs = static_cast<int>(history().size());
  const int n_pending = static_cast<int>(pending().size());
  if (n_obs < options_.gp.initial_design) {
    return box().from_unit(internal::sobol_point(dim(), n_obs + n_pending));
  }
  const Eigen::MatrixXd u = internal::unit_rows(history(), box());
  if (model_stale_ || !model_) {
    model_ = std::make_unique<internal::GpPosterior>(
        internal::fit_fixed_posterior(options_.gp, box(), history(), u));
    model_stale_ = false;
    model_fit_size_ = n_obs;
    ++stats_.fits;
  }
  stats_.numerical_trouble = model_->numerical_trouble();
  const Eigen::MatrixXd pend = internal::unit_rows(pending(), box());
  const std::vector<internal::GpPosterior> models =
      internal::with_fantasies({*model_}, pend, options_.gp.search.num_threads);
  internal::Acquisition acq;
  acq.kind = internal::AcquisitionKind::kLowerConfidenceBound;
  acq.beta = beta();
  Eigen::MatrixXd extra(n_obs + n_pending, dim());
  extra << u, pend;
  const internal::SearchResult r =
      internal::maximize_acquisition(models, acq, grid_, extra, extra, options_.gp.search, rng_);
  stats_.lbfgs_failures += r.lbfgs_failures;
  stats_.refined_wins += r.from_lbfgs ? 1 : 0;
  return box().from_unit(r.u);
}

void GpUcb::do_save_state(StateWriter& w) const {
  w.tag("gp-ucb");
  w.text(rng_.state());
  internal::write_stats(w, stats_);
  // -1: no current model (the next proposal fits one); else the observations of its last full fit.
  w.integer(model_ && !model_stale_ ? model_fit_size_ : -1);
}

std::function<void()> GpUcb::do_restore_state(StateReader& r) {
  r.expect("gp-ucb");
  const Rng rng = internal::read_rng(r);
  const GpOptimizerStats stats = internal::read_stats(r);
  const long long fit_size = r.integer();
  if (fit_size < -1 || fit_size == 0 || fit_size > 100'000'000) {
    r.fail("malformed saved state: bad model size");
  }
  return [this, rng, stats, fit_size] {
    rng_ = rng;
    stats_ = stats;
    model_.reset();
    model_stale_ = true;
    model_fit_size_ = 0;
    if (fit_size > 0 && static_cast<std::size_t>(fit_size) <= history().size()) {
      model_ = internal::rebuild_fixed_posterior(options_.gp, box(), history(),
                                                 static_cast<int>(fit_size));
      model_stale_ = false;
      model_fit_size_ = static_cast<int>(fit_size);
    }
  };
}

}  // namespace rnnopt::baselines
