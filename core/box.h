// rnnopt/core/box.h: an axis-aligned search box and its maps to the unit and canonical cubes.
//
//   rnnopt::Box box{Eigen::Vector2d(-5, 0), Eigen::Vector2d(10, 15)};
//   box.validate("MyOptimizer::MyOptimizer()");   // throws std::invalid_argument naming the caller
//   Eigen::VectorXd u = box.to_unit(x);           // [lower, upper] -> [0, 1]^d
//   Eigen::VectorXd c = box.to_canonical(x);      // [lower, upper] -> [-1, 1]^d
#pragma once

#include <Eigen/Core>
#include <string_view>

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

}  // namespace rnnopt
