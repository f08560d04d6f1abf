// rnnopt/baselines/internal/model_data.h: small helpers shared by the GP optimizers (private):
// unit-cube data matrices, y standardisation, the fixed-hyper GP, kriging-believer fantasies.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "baselines/gp_options.h"
#include "baselines/internal/gp.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines::internal {

// Rows: the points mapped to the unit cube (clamped to [0,1]).
Eigen::MatrixXd unit_rows(const std::vector<Eigen::VectorXd>& points, const Box& box);
Eigen::MatrixXd unit_rows(const std::vector<Observation>& history, const Box& box);
Eigen::VectorXd values(const std::vector<Observation>& history);

// y -> (y - mean) / sd with the population sd (sd 0 -> 1), as Spearmint's standardize.
struct Standardizer {
  double mean = 0.0;
  double sd = 1.0;
  static Standardizer fit(const Eigen::VectorXd& y);
  Eigen::VectorXd apply(const Eigen::VectorXd& y) const { return (y.array() - mean) / sd; }
};

// The unit-cube hyper-parameters of FixedGpOptions on `box` (length-scales divided by the widths).
GpHypers fixed_hypers(const FixedGpOptions& options, const Box& box);

// The fixed-hyper GP of `options` fitted to `history` (unit-cube inputs u, y standardised when
// options.standardize_y), shared by SpearmintFixed and GpUcb.
GpPosterior fit_fixed_posterior(const FixedGpOptions& options, const Box& box,
                                const std::vector<Observation>& history, const Eigen::MatrixXd& u);

// Each model conditioned additionally on the pending points (unit-cube rows), with its own
// posterior mean there as the observed value (kriging believer). Parallel over models.
std::vector<GpPosterior> with_fantasies(const std::vector<GpPosterior>& models,
                                        const Eigen::MatrixXd& pending, int threads);

// The Sobol point #index of the unit cube (index 0: the corner, 1: the centre).
Eigen::VectorXd sobol_point(int d, int index);

}  // namespace rnnopt::baselines::internal
