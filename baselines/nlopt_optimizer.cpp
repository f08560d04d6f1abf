#include "baselines/nlopt_optimizer.h"

#include <nlopt.hpp>
#include <stdexcept>
#include <utility>
#include <vector>

namespace rnnopt::baselines {
namespace {

// NLopt's C++ objective: data is the UnitObjective. Exceptions (CallbackOptimizer::Stopped
// included) are caught by NLopt's wrapper, which forces a stop and rethrows from optimize().
double nlopt_objective(const std::vector<double>& x, std::vector<double>& /*grad*/, void* data) {
  const auto& f = *static_cast<const UnitObjective*>(data);
  return f(Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size())));
}

LibraryRunner nlopt_runner(const NloptOptions& options) {
  return [options](const UnitObjective& f, const LibraryRun& run) {
    const unsigned d = static_cast<unsigned>(run.dim);
    // NLopt's generator is thread-local: this seeds the worker thread's own.
    nlopt::srand(static_cast<unsigned long>(run.seed));
    nlopt::opt opt(
        options.algorithm == NloptAlgorithm::kDirectL ? nlopt::GN_DIRECT_L : nlopt::GN_CRS2_LM, d);
    opt.set_lower_bounds(std::vector<double>(d, 0.0));
    opt.set_upper_bounds(std::vector<double>(d, 1.0));
    if (options.algorithm == NloptAlgorithm::kCrs2Lm && options.population > 0) {
      opt.set_population(static_cast<unsigned>(options.population));
    }
    opt.set_min_objective(nlopt_objective, const_cast<UnitObjective*>(&f));
    std::vector<double> x(d, 0.5);
    if (run.start) x.assign(run.start->x.data(), run.start->x.data() + d);
    double fx = 0.0;
    try {
      opt.optimize(x, fx);
    } catch (const nlopt::roundoff_limited&) {
      // Converged as far as floating point allows: return, to be restarted.
    }
  };
}

}  // namespace

void NloptOptions::validate() const {
  if (population < 0) {
    throw std::invalid_argument("NloptOptions::validate(): population must be >= 0, got " +
                                std::to_string(population));
  }
}

std::string nlopt_algorithm_name(NloptAlgorithm algorithm) {
  return algorithm == NloptAlgorithm::kDirectL ? "direct-l" : "crs2";
}

NloptOptimizer::NloptOptimizer(Box box, const NloptOptions& options, std::uint64_t seed)
    : CallbackOptimizer(std::move(box), nlopt_algorithm_name(options.algorithm),
                        (options.validate(), nlopt_runner(options)), seed) {}

}  // namespace rnnopt::baselines
