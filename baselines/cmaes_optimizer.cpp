#include "baselines/cmaes_optimizer.h"

#include <algorithm>
#include <cmath>
#include <pagmo/algorithms/cmaes.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <stdexcept>
#include <string>
#include <utility>

namespace rnnopt::baselines {
namespace {

// A pagmo user-defined problem over the unit cube whose fitness is the CallbackOptimizer's
// objective. pagmo copies problems, so it holds a pointer; the objective outlives every copy
// (they live inside one LibraryRunner call).
struct UnitProblem {
  const UnitObjective* f = nullptr;
  int dim = 1;

  pagmo::vector_double fitness(const pagmo::vector_double& x) const {
    return {(*f)(Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size())))};
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    return {pagmo::vector_double(dim, 0.0), pagmo::vector_double(dim, 1.0)};
  }
};

// pagmo's seeds are 32-bit.
unsigned seed32(std::uint64_t s) { return static_cast<unsigned>(s ^ (s >> 32)); }

}  // namespace

void CmaEsOptions::validate() const {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("CmaEsOptions::validate(): " + what);
  };
  if (population != 0 && population < 5) {
    bad("population must be 0 (default) or at least 5 (pagmo's minimum), got " +
        std::to_string(population));
  }
  if (!(sigma0 > 0.0 && sigma0 <= 1.0))
    bad("sigma0 must be in (0, 1], got " + std::to_string(sigma0));
  if (!(ftol >= 0.0) || !(xtol >= 0.0)) bad("ftol and xtol must be >= 0");
  if (!(restart_growth >= 1.0 && restart_growth <= 10.0)) {
    bad("restart_growth must be in [1, 10], got " + std::to_string(restart_growth));
  }
}

int CmaEsOptimizer::initial_population(const CmaEsOptions& options, int d) {
  if (options.population > 0) return options.population;
  return std::max(5, 4 + static_cast<int>(std::floor(3.0 * std::log(static_cast<double>(d)))));
}

CmaEsOptimizer::CmaEsOptimizer(Box box, const CmaEsOptions& options, std::uint64_t seed)
    : CallbackOptimizer(
          std::move(box), "cmaes",
          [options](const UnitObjective& f, const LibraryRun& run) {
            const double growth = std::pow(options.restart_growth, run.restart);
            // Capped so that a long run's restarts stay sane (pagmo keeps the whole population).
            const int lambda = static_cast<int>(
                std::min(1000.0, std::round(initial_population(options, run.dim) * growth)));
            pagmo::problem prob{UnitProblem{&f, run.dim}};
            const bool warm = run.start.has_value();
            // The population's random points are evaluated here, through the objective.
            pagmo::population pop(prob, static_cast<pagmo::population::size_type>(lambda - warm),
                                  seed32(run.seed));
            if (warm) {
              const Eigen::VectorXd& u = run.start->x;
              pop.push_back(pagmo::vector_double(u.data(), u.data() + u.size()),
                            pagmo::vector_double{run.start->y});
            }
            // gen: effectively unbounded; the run ends by convergence (ftol, xtol) or Stopped.
            pagmo::cmaes algo(1000000u, -1.0, -1.0, -1.0, -1.0, options.sigma0, options.ftol,
                              options.xtol, /*memory=*/false, /*force_bounds=*/true,
                              seed32(derive_seed(run.seed, 1)));
            algo.evolve(std::move(pop));
          },
          seed) {
  options.validate();
}

}  // namespace rnnopt::baselines
