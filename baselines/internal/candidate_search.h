// rnnopt/baselines/internal/candidate_search.h: maximising an acquisition function averaged over
// GP hyper-samples (private; the integrated acquisition of Snoek, Larochelle & Adams 2012,
// arXiv:1206.2944, section 3.1), searched as HIPS/Spearmint's default chooser does
// (spearmint/choosers/default_chooser.py): grid + extra points + spray, then bounded L-BFGS-B
// (LBFGSpp) from the best few with
// analytic gradients. Work is spread over threads by (hyper-sample, block of candidates) and by
// L-BFGS-B start; every result lands in its own slot, so the outcome does not depend on timing.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <vector>

#include "baselines/gp_options.h"
#include "baselines/internal/gp.h"
#include "core/rng.h"

namespace rnnopt::baselines {
struct GpOptimizerStats;
}

namespace rnnopt::baselines::internal {

enum class AcquisitionKind {
  kExpectedImprovement,   // mean over models of EI(target_s, mu_s, sd_s), maximised
  kLowerConfidenceBound,  // sqrt(beta) sd - mu of the single model, maximised (GP-UCB for min.)
};

struct Acquisition {
  AcquisitionKind kind = AcquisitionKind::kExpectedImprovement;
  std::vector<double> targets;  // EI incumbent per model
  double beta = 0.0;            // LCB exploration weight
};

// The acquisition value (to maximise) at unit-cube point u, with its gradient when grad != null.
double acquisition_at(const std::vector<GpPosterior>& models, const Acquisition& acq,
                      const Eigen::VectorXd& u, Eigen::VectorXd* grad);

struct SearchResult {
  Eigen::VectorXd u;        // the chosen unit-cube point
  double value = 0.0;       // its acquisition value
  bool from_lbfgs = false;  // true when a refined point beat the best candidate
  int lbfgs_failures = 0;   // starts whose line search gave up (their best point is kept)
};

// Maximises acq over [0,1]^d. Candidates: the rows of grid and extra, then options.num_spray
// points N(argmin of the model-averaged mean, spray_std^2 I) clipped to the cube (drawn from rng).
// A chosen point that duplicates a row of `avoid` (observed and pending points) is replaced by the
// best candidate that does not.
SearchResult maximize_acquisition(const std::vector<GpPosterior>& models, const Acquisition& acq,
                                  const Eigen::MatrixXd& grid, const Eigen::MatrixXd& extra,
                                  const Eigen::MatrixXd& avoid, const SearchOptions& options,
                                  Rng& rng);

// The last step of a GP optimizer's proposal (SpearmintOptimizer, SpearmintFixed, GpUcb):
// maximize_acquisition() over the grid plus the observed (u_obs) and pending (u_pend) unit-cube
// points, avoiding both; adds its L-BFGS-B failures and refined wins to stats and returns the
// chosen unit-cube point.
Eigen::VectorXd choose_point(const std::vector<GpPosterior>& models, const Acquisition& acq,
                             const Eigen::MatrixXd& grid, const Eigen::MatrixXd& u_obs,
                             const Eigen::MatrixXd& u_pend, const SearchOptions& options, Rng& rng,
                             GpOptimizerStats& stats);

}  // namespace rnnopt::baselines::internal
