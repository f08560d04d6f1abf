// rnnopt/demos/bandit.h: continuous correlated bandits (the `rnnopt-demo bandit` demo).
//
// A bandit's arms are the points of [-1,1]^d; pulling arm x returns the reward -f(x) - noise,
// where f is a sample of the GP prior the RNN models were trained on (functions::GpPrior's
// default: RBF, variance 1, length-scale 0.3) and the noise is N(0, noise_sd^2). Nearby arms are
// correlated through the GP. All methods minimise the observed f(x) + noise; the regret of a pull
// is f(x_t) - min f (noiseless), and the cumulative regret after t pulls is their sum (the
// paper's summed loss). Methods: the shipped sequential RNN models that fit d (up to
// max_rnn_models, the summed-loss one first), GP-UCB (baselines/gp_ucb.h, given the true prior and
// noise, beta scaled by 0.2 as in Srinivas et al.'s experiments, reduced candidate search),
// Thompson sampling from the GP posterior (baselines/thompson.h, true prior and noise), and uniform
// random arms.
//
// Bandit i is draw_gp_sample(prior, d, derive_seed(seed, i)); its noise stream is
// Rng(derive_seed(bandit seed, 7)), the same for every method (common random numbers).
//
//   rnnopt::demos::BanditConfig c;
//   c.bandits = 4;
//   rnnopt::demos::BanditResult r = rnnopt::demos::run_bandit(c, std::cout);
//   std::cout << r.table;
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace rnnopt::demos {

struct BanditConfig {
  int dim = 2;
  int pulls = 80;    // T
  int bandits = 32;  // number of GP-sample bandits
  double noise_sd = 0.1;
  std::uint64_t seed = 1;
  int threads = 2;
  int candidates = 300;  // Thompson candidate set size
  std::vector<std::string> methods{"rnn", "gp-ucb", "thompson", "random"};
  int max_rnn_models = 4;  // "rnn" runs up to this many fitting models, the summed-loss one first
  std::filesystem::path models_dir;  // empty: default_models_dir()
  std::filesystem::path out;         // empty: write no files

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

struct BanditMethodResult {
  std::string name;
  // cumulative[b][t]: cumulative regret of bandit b after t + 1 pulls.
  std::vector<std::vector<double>> cumulative;
  double propose_us = 0.0;  // mean wall time per proposal
};

struct BanditResult {
  std::vector<BanditMethodResult> methods;
  std::string table;                         // the printed summary table (Markdown)
  std::vector<std::string> notes;            // lines printed before the table (model choice, skips)
  std::vector<std::filesystem::path> files;  // files written under out
};

// Runs the demo, printing progress notes and the table to log. Throws std::invalid_argument for a
// bad config and std::runtime_error when the output folder cannot be written.
BanditResult run_bandit(const BanditConfig& config, std::ostream& log);

}  // namespace rnnopt::demos
