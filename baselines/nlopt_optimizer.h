// rnnopt/baselines/nlopt_optimizer.h: NLopt's global optimizers DIRECT-L and CRS2-LM, ask/tell.
//
// NLopt (Steven G. Johnson, https://github.com/stevengj/nlopt; Debian libnlopt-cxx-dev) is
// callback-driven; NloptOptimizer runs it through CallbackOptimizer (callback_optimizer.h, which
// states the policy for batches, warm starts and points it did not ask for) on the unit cube.
//
//   rnnopt::baselines::NloptOptimizer opt(box, {.algorithm =
//   rnnopt::baselines::NloptAlgorithm::kDirectL},
//                                         /*seed=*/7);
//   for (int t = 0; t < 100; ++t) {
//     Eigen::VectorXd x = opt.propose();
//     opt.observe(x, f(x));
//   }
//
// - kDirectL ("direct-l"): NLOPT_GN_DIRECT_L, the locally biased DIRECT of Gablonsky and Kelley
//   (2001). Deterministic: the seed only drives the fillers of propose_batch. It ignores the
//   starting point.
// - kCrs2Lm ("crs2"): NLOPT_GN_CRS2_LM, controlled random search with local mutation (Kaelo and
//   Ali 2006), NLopt's default population 10 (d + 1); the start (the best warm-start point, or
//   the centre) is one member of the initial population. Seeded with nlopt::srand on the worker
//   thread (NLopt's generator is thread-local).
// No stopping rule is set: the library runs until the optimizer is destroyed; if it returns by
// itself (roundoff-limited), it is restarted with a new seed from the best point.
#pragma once

#include <cstdint>
#include <string>

#include "baselines/callback_optimizer.h"

namespace rnnopt::baselines {

enum class NloptAlgorithm { kDirectL, kCrs2Lm };

struct NloptOptions {
  NloptAlgorithm algorithm = NloptAlgorithm::kDirectL;
  // Population of CRS2-LM; 0: NLopt's default 10 (d + 1). Ignored by DIRECT-L.
  int population = 0;

  // Throws std::invalid_argument("NloptOptions::validate(): ...") for a negative population.
  void validate() const;
};

// "direct-l" or "crs2".
std::string nlopt_algorithm_name(NloptAlgorithm algorithm);

class NloptOptimizer final : public CallbackOptimizer {
 public:
  // Throws std::invalid_argument for an invalid box or options.
  NloptOptimizer(Box box, const NloptOptions& options, std::uint64_t seed);
};

}  // namespace rnnopt::baselines
