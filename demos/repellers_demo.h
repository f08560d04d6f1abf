// rnnopt/demos/repellers_demo.h: control by direct policy search (the `rnnopt-demo repellers`
// demo) on the repellers task of functions/repellers.h (the paper's section 5.3).
//
// Every method optimises the 6 policy parameters of each instance "repellers#instance-SEED"
// (SEED = seed, seed + 1, ...) with `budget` evaluations; the score of a run is the best return
// J = -f found. Methods: the shipped RNN model for d = 6 (if any), the Spearmint-like optimizer
// (SHORT chain: 30 burn-in, 5 iterations per fit, 2000 candidates, best 5 refined), SpearmintFixed
// and GP-UCB (Matern-5/2, length-scale 0.2 of the box, standardised y: the task has no known
// prior), scrambled Sobol and uniform random. The best policy of the first instance is simulated
// again and its particle trajectories drawn.
//
//   rnnopt::demos::RepellersConfig c;
//   rnnopt::demos::RepellersResult r = rnnopt::demos::run_repellers(c, std::cout);
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace rnnopt::demos {

struct RepellersConfig {
  int budget = 50;    // evaluations per run
  int instances = 8;  // repellers#instance-(seed + i)
  std::uint64_t seed = 1;
  int threads = 2;
  std::vector<std::string> methods{"rnn",    "spearmint", "spearmint-fixed",
                                   "gp-ucb", "sobol",     "random"};
  std::filesystem::path models_dir;
  std::filesystem::path out;

  void validate() const;  // throws std::invalid_argument naming the bad field
};

struct RepellersMethodResult {
  std::string name;
  // best_return[i][t]: best J on instance i after t + 1 evaluations.
  std::vector<std::vector<double>> best_return;
  std::vector<Eigen::VectorXd> best_theta;  // per instance
  double propose_us = 0.0;
};

struct RepellersResult {
  std::vector<std::string> instance_names;
  std::vector<RepellersMethodResult> methods;
  std::string best_method;     // whose policy the trajectory plot shows (instance 0)
  Eigen::VectorXd best_theta;  // that policy
  double best_return = 0.0;
  std::string table;
  std::vector<std::string> notes;
  std::vector<std::filesystem::path> files;
};

RepellersResult run_repellers(const RepellersConfig& config, std::ostream& log);

}  // namespace rnnopt::demos
