// rnnopt/meta_train/internal/completion_schedule.h: which evaluation the direct design feeds at
// each step when N workers evaluate in parallel (Chen et al. 2017, section 2.3). Private to
// meta_train/; Torch-free.
//
//   Rng rng(seed);
//   std::vector<int> feed = completion_schedule(50, 5, 0.2, rng);
//   // feed[t]: the query whose result the network sees at step t; -1 for a start-up dummy
#pragma once

#include <vector>

#include "core/rng.h"

namespace rnnopt::train::internal {

// feed[t] for t < horizon: -1 for the first `workers` steps (the network is fed dummies while the
// workers fill up), then the index of the query whose evaluation completed next, each query
// running U(1 - sigma, 1 + sigma) time units from the completion that freed its worker. With
// workers <= 1, feed[t] = t - 1 (sequential; feed[0] = -1) and `rng` is not used.
std::vector<int> completion_schedule(int horizon, int workers, double sigma, Rng& rng);

// Whether every schedule is the sequential one (feed[t] = t - 1 for t >= 1).
bool is_sequential(const std::vector<std::vector<int>>& feed);

}  // namespace rnnopt::train::internal
