// rnnopt/functions/instance.h: random instances of a benchmark, as in the paper's section 5.2.
//
// An instance g of a benchmark f on the same box evaluates f at a randomly transformed point:
// in unit coordinates u = (x - lower) / (upper - lower) of the box,
//
//   v_i = 0.5 + s_i * (+-(u_perm[i] - 0.5)) + t_i,      g(x) = f(lower + v * (upper - lower)),
//
// with a random permutation perm of the dimensions, a random flip (the minus sign) of each,
// scales s_i ~ U[0.9, 1.1] and translations t_i ~ U[-0.1, 0.1]. The transformed point may leave
// the box by up to 0.15 of its width; f is then evaluated through its formula, which is analytic
// outside the box. known_minimum() is f's minimum when a known minimiser of f maps into the box
// and f's minimum bounds f everywhere; otherwise it is found numerically (dense Sobol points,
// then L-BFGS-B, plus starts at the preimages of f's minimisers), once, thread-safely.
//
//   auto base = rnnopt::functions::make_base_benchmark("hartmann3");
//   auto g = rnnopt::functions::make_instance(base, /*seed=*/17);   // name "hartmann3#instance-17"
//   double regret = (*g)(x) - *g->known_minimum();
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "functions/benchmarks.h"
#include "functions/objective.h"

namespace rnnopt::functions {

// The random transformation of one instance, in unit coordinates of the box.
struct InstanceTransform {
  std::vector<int> permutation;  // v_i reads u[permutation[i]]
  std::vector<bool> flip;        // flip[i]: v_i uses 1 - u[permutation[i]]
  Eigen::VectorXd scale;         // s_i in [0.9, 1.1]
  Eigen::VectorXd shift;         // t_i in [-0.1, 0.1]

  // Draws a transformation for d dimensions from rnnopt::Rng(seed), in this order: the
  // permutation (Rng::shuffle of 0..d-1), d flips (bernoulli(0.5)), d scales, d shifts.
  static InstanceTransform draw(int d, std::uint64_t seed);

  // v = T(u) and its inverse u = T^-1(v), for any point with d entries (inside the unit box or
  // not). Throw std::invalid_argument for another size.
  Eigen::VectorXd apply(const Eigen::VectorXd& u) const;
  Eigen::VectorXd invert(const Eigen::VectorXd& v) const;
};

class BenchmarkInstance final : public Objective {
 public:
  // Throws std::invalid_argument if base is null or transform does not have base->dim()
  // dimensions (or is not a permutation, or has scales/shifts out of their ranges).
  BenchmarkInstance(BenchmarkPtr base, InstanceTransform transform, std::string name);

  int dim() const override { return base_->dim(); }
  Eigen::VectorXd lower() const override { return base_->lower(); }
  Eigen::VectorXd upper() const override { return base_->upper(); }
  // The global minimum on the box, exact to round-off when a known minimiser of the base maps
  // inside and the base's minimum bounds it everywhere, otherwise to the accuracy of L-BFGS-B
  // (about 1e-10). The first call may take a few milliseconds; thread-safe.
  std::optional<double> known_minimum() const override;
  std::string name() const override { return name_; }

  // A global minimiser (inside the box) matching known_minimum().
  Eigen::VectorXd argmin() const;
  // The point of the base's domain where g(x) evaluates the base (may lie outside the box).
  // Throws std::invalid_argument unless x has dim() entries.
  Eigen::VectorXd to_base(const Eigen::VectorXd& x) const;
  // The preimages of the base's known minimisers that lie inside the box (may be empty).
  std::vector<Eigen::VectorXd> mapped_minimisers() const;
  // g at any x of dim() entries, also outside the box (through the base formula); throws
  // std::invalid_argument for another size.
  double value_unchecked(const Eigen::VectorXd& x) const { return base_->formula(to_base(x)); }

  const Benchmark& base() const { return *base_; }
  const InstanceTransform& transform() const { return transform_; }

 private:
  double evaluate(const Eigen::VectorXd& x) const override { return value_unchecked(x); }
  void find_minimum() const;

  BenchmarkPtr base_;
  InstanceTransform transform_;
  std::string name_;
  mutable std::once_flag minimum_once_;
  mutable double minimum_ = 0.0;
  mutable Eigen::VectorXd argmin_;
};

// The instance of `base` drawn from seed, named "<base name>#instance-<seed>".
// Throws std::invalid_argument if base is null.
std::shared_ptr<BenchmarkInstance> make_instance(BenchmarkPtr base, std::uint64_t seed);

}  // namespace rnnopt::functions
