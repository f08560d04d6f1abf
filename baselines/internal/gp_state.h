// rnnopt/baselines/internal/gp_state.h: the pieces of the GP optimizers' saved states (private):
// hyper-parameters, statistics, and the fixed-hyper model rebuilt as SpearmintFixed and GpUcb
// built it (one full fit, then one add() per later observation), so that a restored optimizer's
// numbers are bit-identical to the original's.
#pragma once

#include <memory>
#include <vector>

#include "baselines/gp_options.h"
#include "baselines/internal/gp.h"
#include "baselines/spearmint.h"
#include "optimizer/optimizer.h"
#include "optimizer/random.h"
#include "optimizer/state_io.h"

namespace rnnopt::baselines::internal {

void write_hypers(StateWriter& w, const GpHypers& h);
// Reads what write_hypers() wrote for dimension d; fails on a malformed or non-finite entry.
GpHypers read_hypers(StateReader& r, int d);

void write_stats(StateWriter& w, const GpOptimizerStats& s);
GpOptimizerStats read_stats(StateReader& r);

Rng read_rng(StateReader& r);

// The fixed-hyper GP fitted to history[0, fit_size) and extended by add() with every later
// observation (raw y), as SpearmintFixed::do_observe and GpUcb::do_observe extend it. Requires
// 0 < fit_size <= history.size(), and fit_size == history.size() when options.standardize_y.
std::unique_ptr<GpPosterior> rebuild_fixed_posterior(const FixedGpOptions& options, const Box& box,
                                                     const std::vector<Observation>& history,
                                                     int fit_size);

}  // namespace rnnopt::baselines::internal
