// rnnopt/baselines/internal/gp_state.h: the pieces of the GP optimizers' saved states (private):
// hyper-parameters, statistics, and the fixed-hyper model rebuilt as SpearmintFixed and GpUcb
// built it (one full fit, then one add() per later observation), so that a restored optimizer's
// numbers are bit-identical to the original's.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "baselines/gp_options.h"
#include "baselines/internal/gp.h"
#include "baselines/spearmint.h"
#include "core/rng.h"
#include "optimizer/optimizer.h"
#include "optimizer/state_io.h"

namespace rnnopt::baselines::internal {

void write_hypers(StateWriter& w, const GpHypers& h);
// Reads what write_hypers() wrote for dimension d; fails on a malformed or non-finite entry.
GpHypers read_hypers(StateReader& r, int d);

void write_stats(StateWriter& w, const GpOptimizerStats& s);
GpOptimizerStats read_stats(StateReader& r);

// The fixed-hyper GP fitted to history[0, fit_size) and extended by add() with every later
// observation (raw y), as SpearmintFixed::do_observe and GpUcb::do_observe extend it. Requires
// 0 < fit_size <= history.size(), and fit_size == history.size() when options.standardize_y.
std::unique_ptr<GpPosterior> rebuild_fixed_posterior(const FixedGpOptions& options, const Box& box,
                                                     const std::vector<Observation>& history,
                                                     int fit_size);

// The own state of SpearmintFixed and GpUcb (after their tag): the generator, the statistics and
// the number of observations in the current model's last full fit (-1: no current model, the
// next proposal fits one).
void write_fixed_gp_state(StateWriter& w, const Rng& rng, const GpOptimizerStats& stats,
                          const GpPosterior* model, bool model_stale, int model_fit_size);

// The members of SpearmintFixed and GpUcb that a restored state replaces.
struct FixedGpMembers {
  Rng& rng;
  GpOptimizerStats& stats;
  std::unique_ptr<GpPosterior>& model;
  bool& model_stale;
  int& model_fit_size;
};

// SpearmintFixed's and GpUcb's do_observe(): adds obs to the current model (raw y: one more
// Cholesky row), or marks the model stale (refitted at the next proposal) when there is none or
// y is standardised.
void observe_fixed_gp(const FixedGpOptions& options, const Box& box, const Observation& obs,
                      FixedGpMembers members);

// The model on the history of `self` (u: its unit-cube rows), fitted anew when stale (counted in
// stats.fits); its numerical trouble is copied to stats.
const GpPosterior& current_fixed_gp(const FixedGpOptions& options, const Optimizer& self,
                                    const Eigen::MatrixXd& u, FixedGpMembers members);

// Reads what write_fixed_gp_state() wrote (failing through r on a malformed entry) and returns
// the commit: it installs the generator and statistics and rebuilds the model from the history
// of `self` (already restored when the commit runs) with rebuild_fixed_posterior().
std::function<void()> read_fixed_gp_state(StateReader& r, const FixedGpOptions& options,
                                          const Optimizer& self, FixedGpMembers members);

}  // namespace rnnopt::baselines::internal
