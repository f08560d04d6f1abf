// rnnopt/functions/noisy.h: Gaussian observation noise around any objective.
//
// NoisyObjective returns f(x) + sd * eps with eps ~ N(0, 1) drawn from its own rnnopt::Rng(seed),
// so that optimizers can be compared on noisy observations while regret is still measured on the
// noiseless function: known_minimum() is the base's, and noiseless(x) gives f(x) itself.
// Thread-safe: concurrent calls draw distinct noise values from the one generator (in call order;
// a single-threaded caller gets the same sequence for the same seed on every machine).
//
//   auto f = rnnopt::functions::make_benchmark("branin");
//   rnnopt::functions::NoisyObjective noisy(f, /*sd=*/0.1, /*seed=*/5);
//   double y = noisy(x);                        // observed
//   double regret = noisy.noiseless(x) - *noisy.known_minimum();
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/rng.h"
#include "functions/objective.h"

namespace rnnopt::functions {

class NoisyObjective final : public Objective {
 public:
  // Requires a non-null base and a finite sd >= 0; throws std::invalid_argument otherwise.
  NoisyObjective(ObjectivePtr base, double sd, std::uint64_t seed);

  int dim() const override { return base_->dim(); }
  Eigen::VectorXd lower() const override { return base_->lower(); }
  Eigen::VectorXd upper() const override { return base_->upper(); }
  // The noiseless minimum (the base's), for regret.
  std::optional<double> known_minimum() const override { return base_->known_minimum(); }
  // "<base name>+noise(sd=0.1)"
  std::string name() const override;

  // f(x) without noise; checks x like operator().
  double noiseless(const Eigen::VectorXd& x) const { return (*base_)(x); }
  double sd() const { return sd_; }
  const Objective& base() const { return *base_; }

 private:
  double evaluate(const Eigen::VectorXd& x) const override;

  ObjectivePtr base_;
  double sd_;
  mutable std::mutex mutex_;
  mutable Rng rng_;
};

}  // namespace rnnopt::functions
