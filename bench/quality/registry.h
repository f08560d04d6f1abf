// rnnopt/bench/quality/registry.h: optimizers and test functions of rnnopt-bench, by name.
//
// The command line names optimizers ("random", "sobol", "spearmint", "spearmint-fixed", "gp-ucb",
// the peers "dlib-lipo", "direct-l", "crs2", "cmaes" (baselines/README.md; CMA-ES's settings can be
// changed: "cmaes:pop=N:sigma0=X:ftol=X:xtol=X:growth=X"),
// "rnn:models/NAME.safetensors") and functions ("gp:d=4", "branin", "goldstein-price",
// "hartmann3", "hartmann6", "rosenbrock:d=4", "ackley:d=3"); this file turns each name into an
// entry that builds the optimizer for a run or the function instance for an index.
// Functions are implemented in function_registry.cpp, optimizers in optimizer_registry.cpp; the
// spec text ("key=value" parts, numbers) is read by spec_parse.h.
//
//   auto f = rnnopt::bench::parse_function("gp:d=4");
//   auto opt = rnnopt::bench::parse_optimizer("sobol");
//   rnnopt::bench::FunctionInstance inst = f.make_instance(3, std::nullopt);
//   std::unique_ptr<rnnopt::Optimizer> o = opt.make(inst, /*seed=*/1000);
//
// Test functions and their seeds:
//  - GP functions: instance i of "gp:d=D" is functions::draw_gp_sample(prior, D, seed) with
//    seed = kGpTestSeedBase + D * 2^32 + i, i.e. every GP test seed lies in [2^63, 2^63 + 2^48).
//    Meta-training must draw its training and validation functions from seeds outside this range.
//    The prior is functions::GpPrior's default (RBF, variance 1, length-scale 0.3 on [-1,1]^d)
//    unless the spec says otherwise: "gp:d=4:kernel=matern52:ell=0.2:var=1". ":first=K" shifts
//    the instances to K + i (a tuning set, K >= 100000, disjoint from the reported instances).
//  - "rnn:PATH:segment=N:shrink=X" sets RnnOptimizerOptions::segment_steps and restart_shrink.
//  - Classic functions are always the paper's random instances (functions/instance.h): instance i
//    is functions::make_instance(base, kClassicInstanceSeedBase + i).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "functions/gp_sample.h"
#include "functions/objective.h"
#include "optimizer/optimizer.h"

namespace rnnopt::bench {

inline constexpr std::uint64_t kGpTestSeedBase = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kClassicInstanceSeedBase = 1'000'000;

// The true hyper-parameters of a GP test function (what spearmint-fixed is given).
struct GpTruth {
  functions::GpPrior prior;
  Eigen::VectorXd length_scales;  // on [-1,1]^d, one per dimension
};

// One test function, ready to run: the objective, its global minimum and where it came from.
struct FunctionInstance {
  functions::ObjectivePtr objective;
  double f_star = 0.0;
  int index = 0;
  std::uint64_t seed = 0;
  bool gp_function = false;  // a GP prior sample (its truth is exact) rather than a classic one
  // For GP functions the prior and drawn length-scales; for classic functions the stand-in that
  // spearmint-fixed uses (see FunctionEntry::fixed_hypers_note).
  GpTruth truth;
};

struct FunctionEntry {
  std::string label;   // canonical name used in the trace, e.g. "gp:d=4", "hartmann3"
  std::string family;  // "gp" or "classic"
  int dim = 0;
  std::string description;        // for the report, e.g. "GP sample, rbf(var=1,ell=0.3), d=4"
  std::string fixed_hypers_note;  // what spearmint-fixed is told about this function
  // The instance with index i >= 0 (the same for every optimizer and every run seed). f_star:
  // its global minimum when already known (from an earlier run of the same instance seed in the
  // trace), which spares the search (~1.4 s for a GP sample at d = 6); nullopt: find it.
  // Throws std::runtime_error if the function has no known minimum.
  std::function<FunctionInstance(int i, std::optional<double> f_star)> make_instance;
  std::function<std::uint64_t(int i)> instance_seed;
};

struct OptimizerEntry {
  std::string label;  // as in the trace: "random", "spearmint", "rnn:lstm-oi", ...
  std::string description;
  bool gp_based = false;  // a GP optimizer: cubic cost, gets fewer instances in the paper preset
  bool learned = false;   // a learned (rnn*) optimizer: the paired table sets it against the rest
  bool peer = false;      // a library users would pick instead (dlib, NLopt, pagmo)
  // How the optimizer proposes while other trials are pending (parallel workers, --workers N >
  // 1), for the report: one clause, e.g. "a constant liar: ...".
  std::string pending_policy;
  // Empty when the optimizer can run on a d-dimensional function; otherwise the reason not.
  std::function<std::string(int d)> unsupported_reason;
  // A fresh optimizer for one run on inst; seed is the run's optimizer seed.
  std::function<std::unique_ptr<Optimizer>(const FunctionInstance& inst, std::uint64_t seed)> make;
};

// How much the Spearmint-like optimizers may cost per proposal.
enum class SpearmintCost { kFull, kReduced };

// Parses one function spec. Throws std::invalid_argument("unknown function 'x' (known: ...)")
// or naming the bad option.
FunctionEntry parse_function(std::string_view spec);

// Parses one optimizer spec; "rnn:PATH" loads the model file now. Throws std::invalid_argument
// for an unknown name and std::runtime_error for a model file that cannot be loaded (the message
// names the file and the problem).
OptimizerEntry parse_optimizer(std::string_view spec, SpearmintCost cost = SpearmintCost::kFull);

// The peers' names: dlib-lipo, direct-l, crs2, cmaes (the order of the presets).
std::vector<std::string> peer_optimizers();

// The names accepted, for --help and error messages.
std::string known_optimizers();
std::string known_functions();

}  // namespace rnnopt::bench
