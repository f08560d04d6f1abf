// rnnopt/functions/objective.h: an objective function on a box, with its known minimum.
//
// Every test function of rnnopt (the classic benchmarks, their random instances, GP prior samples,
// noisy wrappers, the demos' simulators) is an Objective: call it on a point of its box, read the
// box, the dimension and, where known, the global minimum value used to compute regret.
//
//   auto f = rnnopt::functions::make_benchmark("branin");
//   double y = (*f)(Eigen::Vector2d(3.14159, 2.275));     // about 0.397887
//   double regret = y - *f->known_minimum();
//
// operator() checks its argument once, here, and calls the private evaluate(): a point with the
// wrong dimension, a non-finite entry or outside the box throws std::invalid_argument naming the
// function and the problem.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <optional>
#include <string>

namespace rnnopt::functions {

class Objective {
 public:
  virtual ~Objective() = default;

  // f(x). Requires x.size() == dim() and lower() <= x <= upper(); throws std::invalid_argument
  // otherwise.
  double operator()(const Eigen::VectorXd& x) const;

  virtual int dim() const = 0;
  virtual Eigen::VectorXd lower() const = 0;
  virtual Eigen::VectorXd upper() const = 0;
  // The global minimum value of the noiseless function, when known.
  virtual std::optional<double> known_minimum() const = 0;
  virtual std::string name() const = 0;

 private:
  // f(x) for a checked x.
  virtual double evaluate(const Eigen::VectorXd& x) const = 0;
};

using ObjectivePtr = std::shared_ptr<const Objective>;

}  // namespace rnnopt::functions
