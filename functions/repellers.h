// rnnopt/functions/repellers.h: the "repellers" control task (the paper's section 5.3, after
// Hoffman et al. 2009) as an Objective: direct policy search over the placement of 2 repellers.
//
// The original task is not fully published; this is rnnopt's precise definition.
//
// Space: the unit square [0,1]^2, x to the right, y up. P = 5 particles start at rest at
// (0.10, 0.95), (0.20, 0.95), (0.30, 0.95), (0.40, 0.95), (0.50, 0.95). Their state is 4-D
// (position q, velocity v). A policy places K = 2 repellers: repeller k at p_k with strength
// s_k >= 0. The physics is deterministic (semi-implicit Euler, dt = 0.02, T = 150 steps):
//
//   a(q, v) = (0, -G) - C v + sum_k s_k (q - p_k) / (|q - p_k|^2 + eps^2)^(3/2)
//   v_{t+1} = v_t + dt a(q_t, v_t),      q_{t+1} = q_t + dt v_{t+1}
//
// with gravity G = 1, linear drag C = 0.5 and softening eps = 0.05. A particle whose position
// leaves [0,1]^2 is absorbed (it earns nothing afterwards).
//
// Reward (the discounted reward of reaching a goal region): the goal is the disk of radius
// R = 0.08 around g. At step t a live particle at q_t scores
//   gamma^(t-1) r(q_t),   r(q) = exp(-max(0, |q - g| - R)^2 / (2 w^2)),   w = 0.05,  gamma = 0.98,
// i.e. gamma^(t-1) when it is inside the goal and a smooth fall-off outside (so that near misses
// are ranked and the landscape is not flat). A particle's reward is its best score over its path;
// it stops at its first step inside the goal (reached: later steps can only score less). The
// return is the mean over particles,
//   J = 1/P sum_particles max_{t <= T} gamma^(t-1) r(q_t)      (0 <= J <= 1),
// so J = gamma^(k-1) when every particle reaches the goal at step k, and the objective to
// minimise is f = -J, -1 <= f <= 0. The fall alone takes about 70 steps (gamma^70 = 0.24), so
// good policies score roughly 0.2 to 0.4.
//
// Parameters: theta in [-1,1]^6, three per repeller: p_k = (0.5 + 0.5 theta_3k,
// 0.5 + 0.5 theta_3k+1), s_k = S (1 + theta_3k+2) / 2 with S = 0.05 (clamped at 0).
//
// Instances (the paper: "the same perturbations as in section 5.2 generate instances"):
// "repellers#instance-SEED" evaluates the physics at the transformed parameters of
// functions/instance.h (InstanceTransform::draw(6, SEED), applied in unit coordinates of
// [-1,1]^6; the transformed point may leave the box by 0.15 of its width, which the physics
// accepts), and moves the goal: g = (U[0.55, 0.9], U[0.15, 0.5]) from
// rnnopt::Rng(derive_seed(SEED, 1)). The base task "repellers" has g = (0.75, 0.35) and no
// transform. The global minimum is not known (known_minimum() is nullopt).
//
//   auto f = rnnopt::functions::make_repellers();   // or make_benchmark("repellers#instance-3")
//   double y = (*f)(Eigen::VectorXd::Zero(6));       // -J of the centre policy
//   auto paths = f->simulate(Eigen::VectorXd::Zero(6));   // particle trajectories, for plots
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "functions/instance.h"
#include "functions/objective.h"

namespace rnnopt::functions {

// The constants of the task (documented at the top of this file).
struct RepellersConstants {
  static constexpr int kParticles = 5;
  static constexpr int kRepellers = 2;
  static constexpr int kSteps = 150;
  static constexpr double kDt = 0.02;
  static constexpr double kGravity = 1.0;
  static constexpr double kDrag = 0.5;
  static constexpr double kSoftening = 0.05;
  static constexpr double kMaxStrength = 0.05;
  static constexpr double kGoalRadius = 0.08;
  static constexpr double kRewardWidth = 0.05;
  static constexpr double kDiscount = 0.98;
  static constexpr double kStartY = 0.95;
  static constexpr double kStartX[kParticles] = {0.10, 0.20, 0.30, 0.40, 0.50};
};

// One particle's path: positions q_0 (the start) .. q_n, n <= kSteps; absorbed: it left the square
// (its last position is the first one outside); reached: it stopped in the goal (its last position
// is the first one inside).
struct ParticlePath {
  std::vector<Eigen::Vector2d> positions;
  bool absorbed = false;
  bool reached = false;
};

// A repeller in physical units.
struct Repeller {
  Eigen::Vector2d position;
  double strength = 0.0;
};

class Repellers final : public Objective {
 public:
  // goal: the centre of the goal disk; transform: std::nullopt for the base task, otherwise a
  // 6-dimensional InstanceTransform (checked: throws std::invalid_argument for another size or a
  // non-finite goal). name: e.g. "repellers#instance-3".
  Repellers(Eigen::Vector2d goal, std::optional<InstanceTransform> transform, std::string name);

  int dim() const override { return 6; }
  Eigen::VectorXd lower() const override { return Eigen::VectorXd::Constant(6, -1.0); }
  Eigen::VectorXd upper() const override { return Eigen::VectorXd::Ones(6); }
  std::optional<double> known_minimum() const override { return std::nullopt; }
  std::string name() const override { return name_; }

  const Eigen::Vector2d& goal() const { return goal_; }
  // The repellers a parameter vector places (after the instance transform). Requires 6 entries;
  // throws std::invalid_argument otherwise.
  std::vector<Repeller> repellers(const Eigen::VectorXd& theta) const;
  // The particle paths under the policy theta (checked like operator()).
  std::vector<ParticlePath> simulate(const Eigen::VectorXd& theta) const;
  // J(theta) in [0, 1] (checked like operator()); f = -J.
  double discounted_reward(const Eigen::VectorXd& theta) const;

 private:
  double evaluate(const Eigen::VectorXd& x) const override;
  double run(const std::vector<Repeller>& reps, std::vector<ParticlePath>* paths) const;

  Eigen::Vector2d goal_;
  std::optional<InstanceTransform> transform_;
  std::string name_;
};

// The base task "repellers" (goal (0.75, 0.35), no transform).
std::shared_ptr<const Repellers> make_repellers();
// The instance "repellers#instance-SEED" described at the top of this file.
std::shared_ptr<const Repellers> make_repellers(std::uint64_t seed);

}  // namespace rnnopt::functions
