// rnnopt/demos/design.h: experimental design with parallel labs (the `rnnopt-demo design` demo).
//
// The experiment is demos/reaction.h (5 factors by default, fewer with `factors`, yield in %,
// measured with N(0, noise_sd^2) error). `labs` labs work in parallel in simulated time (an event
// queue, no sleeping, no threads): an experiment at x occupies its lab for tau(x) + 1 h + Exp(mean
// 4 h) (the reaction time, set-up, and a random work-up/analysis queue), so durations are random
// and unequal and results arrive out of submission order. The optimizer is asked for the first
// `labs` points with propose_batch(labs); each time a lab finishes, its result is observed
// (optimizers minimise -yield) and the lab gets the next propose(), until `budget` experiments are
// done.
//
// Methods: the parallel RNN model (a shipped model with parallel_workers > 1 for d = factors,
// the paper's scheme), the sequential RNN model in the same labs (pending points get a constant
// lie) and alone in one lab (the paper's sequential comparison), the Spearmint-like optimizer with
// pending points (baselines::SpearmintOptimizer with a SHORT chain: 30 burn-in and 5 iterations
// per fit, 2000 Sobol candidates, best 5 refined; pending points get kriging-believer fantasies),
// and uniform random points. Reported: the simulated hours until an experiment's true yield
// first reaches the target, and the best true yield against the number of experiments.
//
//   rnnopt::demos::DesignConfig c;
//   rnnopt::demos::DesignResult r = rnnopt::demos::run_design(c, std::cout);
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "demos/reaction.h"
#include "optimizer/optimizer.h"

namespace rnnopt::demos {

// One experiment run by a lab.
struct LabExperiment {
  int submitted = 0;  // 0-based order in which the optimizer proposed it
  int completed = 0;  // 0-based order in which its result arrived
  int lab = 0;
  double start_h = 0.0;
  double finish_h = 0.0;
  Eigen::VectorXd x;
  double measured = 0.0;    // yield with noise (what the optimizer saw, as -measured)
  double true_yield = 0.0;  // noiseless yield
};

// Runs `budget` experiments of `reaction` on `labs` parallel labs, proposals from `opt` (whose box
// must be the reaction's), durations and noise from Rng(seed). Returns the experiments in
// completion order. Throws std::invalid_argument for labs < 1, budget < 1 or a box mismatch.
std::vector<LabExperiment> run_labs(Optimizer& opt, const ReactionYield& reaction, int labs,
                                    int budget, double noise_sd, std::uint64_t seed);

struct DesignConfig {
  int labs = 5;
  int budget = 50;  // experiments per run
  int runs = 8;     // repetitions (seeds) per method
  double noise_sd = 1.0;
  int factors = 5;      // 2..5 (ReactionYield(factors))
  double target = 0.0;  // target yield, %; 0: 88% of the best known yield (65.2% for 5 factors)
  std::uint64_t seed = 1;
  int threads = 2;
  std::vector<std::string> methods{"rnn-parallel", "rnn", "rnn-1lab", "spearmint", "random"};
  std::filesystem::path models_dir;  // empty: default_models_dir()
  std::filesystem::path out;         // empty: write no files

  void validate() const;  // throws std::invalid_argument naming the bad field
};

struct DesignMethodResult {
  std::string name;
  int labs = 0;
  std::vector<std::vector<LabExperiment>> runs;  // completion order
  std::vector<double> hours_to_target;           // NaN where not reached
  std::vector<double> best_final;                // best true yield after the budget
  std::vector<double> total_hours;               // simulated time to finish the budget
};

struct DesignResult {
  double best_known = 0.0;
  double target = 0.0;  // the target used
  std::vector<DesignMethodResult> methods;
  std::string table;
  std::vector<std::string> notes;
  std::vector<std::filesystem::path> files;
};

DesignResult run_design(const DesignConfig& config, std::ostream& log);

}  // namespace rnnopt::demos
