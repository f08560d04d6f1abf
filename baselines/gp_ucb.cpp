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
  internal::observe_fixed_gp(options_.gp, box(), obs,
                             {rng_, stats_, model_, model_stale_, model_fit_size_});
}

Eigen::VectorXd GpUcb::do_propose() {
  const int n_obs = static_cast<int>(history().size());
  const int n_pending = static_cast<int>(pending().size());
  if (n_obs < options_.gp.initial_design) {
    return box().from_unit(internal::sobol_point(dim(), n_obs + n_pending));
  }
  const Eigen::MatrixXd u = internal::unit_rows(history(), box());
  const internal::GpPosterior& model = internal::current_fixed_gp(
      options_.gp, *this, u, {rng_, stats_, model_, model_stale_, model_fit_size_});
  const Eigen::MatrixXd pend = internal::unit_rows(pending(), box());
  const std::vector<internal::GpPosterior> models =
      internal::with_fantasies({model}, pend, options_.gp.search.num_threads);
  internal::Acquisition acq;
  acq.kind = internal::AcquisitionKind::kLowerConfidenceBound;
  acq.beta = beta();
  return box().from_unit(
      internal::choose_point(models, acq, grid_, u, pend, options_.gp.search, rng_, stats_));
}

void GpUcb::do_save_state(StateWriter& w) const {
  w.tag("gp-ucb");
  internal::write_fixed_gp_state(w, rng_, stats_, model_.get(), model_stale_, model_fit_size_);
}

std::function<void()> GpUcb::do_restore_state(StateReader& r) {
  r.expect("gp-ucb");
  return internal::read_fixed_gp_state(r, options_.gp, *this,
                                       {rng_, stats_, model_, model_stale_, model_fit_size_});
}

}  // namespace rnnopt::baselines
