// rnnopt/demos/reaction.h: a simulated chemical reaction, the experiment of the design demo.
//
// An isothermal batch reactor makes product P from A and B on a catalyst. Five factors (the
// physical order; ReactionYield's coordinates use the order T, L, r, tau, cA0, see below):
//   x0  temperature            T    in [40, 120] degC
//   x1  reaction time          tau  in [0.5, 12] h
//   x2  initial concentration  cA0  in [0.2, 2.0] mol/L of A
//   x3  equivalents of B       r    in [0.8, 3.0]      (cB0 = r cA0)
//   x4  catalyst loading       L    in [0.5, 10] mol%
// Kinetics (concentrations in mol/L, time in h), each rate constant Arrhenius around
// Tref = 80 degC: k_i(T) = k_i,ref exp(-Ea_i / R (1/T - 1/Tref)), R = 8.314e-3 kJ/(mol K):
//   A + B -> P   r1 = k1 L/(L + 1) cA cB  desired, catalysed, saturating in L  k1,ref 0.6,  Ea 65
//   P -> D       r2 = k2 cP               thermal degradation of the product   k2,ref 0.08, Ea 110
//   A + A -> S   r3 = k3 cA^2             uncatalysed side reaction            k3,ref 0.15, Ea 85
//   P + B -> D2  r4 = k4 (L/5) cP cB      catalysed over-reaction              k4,ref 0.12, Ea 75
// (k_ref in L/(mol h) or 1/h, Ea in kJ/mol), with
//   dcA/dt = -r1 - 2 r3,  dcB/dt = -r1 - r4,  dcP/dt = r1 - r2 - r4,  from (cA0, r cA0, 0),
// integrated by classical Runge-Kutta over tau with max(100, tau lambda / 0.5) steps (lambda
// bounds the stiffest rate), so that hot, concentrated runs stay stable. The yield is
// 100 cP(tau) / cA0 (%).
// Trade-offs give an interior optimum in temperature and catalyst loading: hot is fast but
// degrades P and favours the side reactions (higher activation energies); more catalyst speeds
// the main reaction (saturating) but also the over-reaction (linear). The best yield on the box
// is about 74.1% near T = 50 degC, tau = 12 h, cA0 = 1.9 mol/L, r = 3, L = 1.3 mol% (found by
// dense random search and a compass search, see best_known()). A measured yield adds
// N(0, noise_sd^2) (the analysis error).
//
// As an Objective it returns -yield (minimisation) without noise.
//
// Fewer factors: ReactionYield(k) with k in 2..5 varies the first k factors of the order
// (T, L, r, tau, cA0) and holds the others at T = 60 degC, L = 2 mol%, r = 2.5, tau = 8 h,
// cA0 = 1.5 mol/L; its coordinates follow that order (k = 2: x = (T, L), both with an interior
// optimum). This lets models trained for fewer dimensions run the same experiment.
//
//   rnnopt::demos::ReactionYield reaction;        // 5 factors (T, L, r, tau, cA0)
//   double y = reaction.yield(x);                 // noiseless, %
//   double minus = reaction(x);                   // -yield
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>

#include "functions/objective.h"

namespace rnnopt::demos {

class ReactionYield final : public functions::Objective {
 public:
  static constexpr int kFactors = 5;

  // factors in 2..5; throws std::invalid_argument otherwise.
  explicit ReactionYield(int factors = kFactors);

  int dim() const override { return factors_; }
  Eigen::VectorXd lower() const override;
  Eigen::VectorXd upper() const override;
  std::optional<double> known_minimum() const override { return std::nullopt; }
  std::string name() const override { return "reaction-yield:" + std::to_string(factors_); }

  // The noiseless yield in % at x (checked like operator()).
  double yield(const Eigen::VectorXd& x) const { return -(*this)(x); }
  // The full operating point (T, tau, cA0, r, L) of x (x unchecked beyond its size).
  Eigen::VectorXd full_point(const Eigen::VectorXd& x) const;
  // The best yield found by 4000 random points and a compass search from the best (deterministic);
  // 74.08% with 5 factors, 67.79% with 2. Takes a few tens of milliseconds.
  double best_known() const;
  // Name and unit of coordinate i of x, e.g. "T [degC]".
  std::string factor_name(int i) const;

 private:
  double evaluate(const Eigen::VectorXd& x) const override;

  int factors_;
};

}  // namespace rnnopt::demos
