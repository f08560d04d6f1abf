// rnnopt/optimizer/optimizer.h: the ask/tell interface that every rnnopt optimizer implements.
//
// An Optimizer minimises a black-box function over a box. The caller asks for points with
// propose() (or propose_batch(n) for n parallel workers), evaluates them, and tells the results
// with observe(x, y), in any order, also for points the optimizer did not propose (a warm start).
//
//   rnnopt::Box box{lower, upper};
//   SomeOptimizer opt(box, options, /*seed=*/7);
//   for (int t = 0; t < 50; ++t) {
//     Eigen::VectorXd x = opt.propose();   // inside the box
//     opt.observe(x, f(x));
//   }
//   rnnopt::Observation best = *opt.best();
//
// The public surface is non-virtual: it checks arguments once for all optimizers (throwing
// std::invalid_argument naming the call and the problem), keeps the history, the best point and
// the pending (proposed but not yet observed) points, and calls the private do_* hooks.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rnnopt {

// An axis-aligned search box. Every lower bound must be finite and strictly below its upper bound.
struct Box {
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;

  int dim() const { return static_cast<int>(lower.size()); }

  // Throws std::invalid_argument("<where>: ...") if the box is empty, has mismatched sizes,
  // non-finite or inverted bounds.
  void validate(std::string_view where) const;

  // True when x has dim() entries, all finite and inside [lower, upper].
  bool contains(const Eigen::VectorXd& x) const;

  // Affine maps between the box and the unit cube [0,1]^d / the canonical cube [-1,1]^d.
  Eigen::VectorXd to_unit(const Eigen::VectorXd& x) const;
  Eigen::VectorXd from_unit(const Eigen::VectorXd& u) const;
  Eigen::VectorXd to_canonical(const Eigen::VectorXd& x) const;
  Eigen::VectorXd from_canonical(const Eigen::VectorXd& c) const;

  // Clamps x into the box (for numerical round-off at the faces).
  Eigen::VectorXd clamp(const Eigen::VectorXd& x) const;

  // The unit box [0,1]^d and the canonical box [-1,1]^d.
  static Box unit(int d);
  static Box canonical(int d);
};

// One evaluation: the point and its value (always minimised).
struct Observation {
  Eigen::VectorXd x;
  double y = 0.0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // The next point to evaluate, inside box(). It becomes pending until observed.
  Eigen::VectorXd propose();

  // n >= 1 points to evaluate in parallel, all inside box(); each becomes pending.
  // Throws std::invalid_argument if n < 1.
  std::vector<Eigen::VectorXd> propose_batch(int n);

  // Reports f(x) = y. x must have dim() entries inside box(); y must be finite. x need not have
  // been proposed; if it equals a pending point, that point is no longer pending.
  // Throws std::invalid_argument naming the problem; the optimizer is then unchanged.
  void observe(const Eigen::VectorXd& x, double y);

  // The observation with the lowest y so far (the earliest on ties), or nullopt before any.
  std::optional<Observation> best() const;

  // Every observation, in the order observed.
  const std::vector<Observation>& history() const { return history_; }

  // Points proposed and not yet observed, oldest first.
  const std::vector<Eigen::VectorXd>& pending() const { return pending_; }

  int dim() const { return box_.dim(); }
  const Box& box() const { return box_; }

  // A short identifier such as "random", "sobol", "spearmint" or "rnn:lstm-oi".
  std::string name() const { return do_name(); }

 protected:
  // Validates the box (throws std::invalid_argument naming `who`).
  Optimizer(Box box, std::string_view who);

  // For derived classes restoring a saved state: replaces history and pending points.
  void restore_base_state(std::vector<Observation> history, std::vector<Eigen::VectorXd> pending);

 private:
  // One point in box(); pending() already holds the earlier points of the current batch.
  virtual Eigen::VectorXd do_propose() = 0;
  // Default: n calls of do_propose(), each point added to pending() before the next call.
  virtual std::vector<Eigen::VectorXd> do_propose_batch(int n);
  // Called after the base class has validated and recorded obs (history() already holds it).
  virtual void do_observe(const Observation& obs) = 0;
  virtual std::string do_name() const = 0;

  Box box_;
  std::vector<Observation> history_;
  std::vector<Eigen::VectorXd> pending_;
  std::optional<std::size_t> best_index_;
};

}  // namespace rnnopt
