#include "demos/reaction.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/rng.h"

namespace rnnopt::demos {
namespace {

constexpr double kGasConstant = 8.314e-3;  // kJ / (mol K)
constexpr double kTref = 353.15;           // 80 degC
// Physical order (T, tau, cA0, r, L).
constexpr std::array<double, 5> kLower{40.0, 0.5, 0.2, 0.8, 0.5};
constexpr std::array<double, 5> kUpper{120.0, 12.0, 2.0, 3.0, 10.0};
constexpr std::array<double, 5> kHeld{60.0, 8.0, 1.5, 2.5, 2.0};
// Coordinate i of x is physical factor kOrder[i]: T, L, r, tau, cA0.
constexpr std::array<int, 5> kOrder{0, 4, 3, 1, 2};
const char* const kNames[5] = {"T [degC]", "time [h]", "cA0 [mol/L]", "B equiv", "catalyst [mol%]"};

double arrhenius(double k_ref, double ea, double t_kelvin) {
  return k_ref * std::exp(-ea / kGasConstant * (1.0 / t_kelvin - 1.0 / kTref));
}

}  // namespace

ReactionYield::ReactionYield(int factors) : factors_(factors) {
  if (factors < 2 || factors > kFactors) {
    throw std::invalid_argument("ReactionYield::ReactionYield(): factors must be in 2..5, got " +
                                std::to_string(factors));
  }
}

Eigen::VectorXd ReactionYield::lower() const {
  Eigen::VectorXd v(factors_);
  for (int i = 0; i < factors_; ++i) v(i) = kLower[kOrder[i]];
  return v;
}

Eigen::VectorXd ReactionYield::upper() const {
  Eigen::VectorXd v(factors_);
  for (int i = 0; i < factors_; ++i) v(i) = kUpper[kOrder[i]];
  return v;
}

Eigen::VectorXd ReactionYield::full_point(const Eigen::VectorXd& x) const {
  if (x.size() != factors_) {
    throw std::invalid_argument("ReactionYield::full_point(): x has " + std::to_string(x.size()) +
                                " entries, expected " + std::to_string(factors_));
  }
  Eigen::VectorXd p = Eigen::Map<const Eigen::VectorXd>(kHeld.data(), kFactors);
  for (int i = 0; i < factors_; ++i) p(kOrder[i]) = x(i);
  return p;
}

std::string ReactionYield::factor_name(int i) const {
  return kNames[kOrder[std::clamp(i, 0, factors_ - 1)]];
}

double ReactionYield::evaluate(const Eigen::VectorXd& xs) const {
  const Eigen::VectorXd x = full_point(xs);
  const double temp = x(0) + 273.15, tau = x(1), ca0 = x(2), ratio = x(3), load = x(4);
  const double k1 = arrhenius(0.6, 65.0, temp) * load / (load + 1.0);
  const double k2 = arrhenius(0.08, 110.0, temp);
  const double k3 = arrhenius(0.15, 85.0, temp);
  const double k4 = arrhenius(0.12, 75.0, temp) * load / 5.0;
  using State = Eigen::Vector3d;  // cA, cB, cP
  auto rhs = [&](const State& c) {
    const double r1 = k1 * c(0) * c(1), r2 = k2 * c(2), r3 = k3 * c(0) * c(0);
    const double r4 = k4 * c(2) * c(1);
    return State(-r1 - 2.0 * r3, -r1 - r4, r1 - r2 - r4);
  };
  State c(ca0, ratio * ca0, 0.0);
  // Explicit RK4 is stable for h * lambda below about 2.8; lambda bounds the Jacobian's largest
  // rate (concentrations only fall from their starting values), and h * lambda <= 0.5 keeps the
  // integration accurate as well as stable.
  const double lambda = k1 * (ca0 + ratio * ca0) + k2 + 4.0 * k3 * ca0 + k4 * ratio * ca0;
  const int steps = std::max(100, static_cast<int>(std::ceil(tau * lambda / 0.5)));
  const double h = tau / steps;
  for (int s = 0; s < steps; ++s) {
    const State a = rhs(c);
    const State b = rhs(c + 0.5 * h * a);
    const State d = rhs(c + 0.5 * h * b);
    const State e = rhs(c + h * d);
    c += h / 6.0 * (a + 2.0 * b + 2.0 * d + e);
  }
  return -100.0 * c(2) / ca0;
}

double ReactionYield::best_known() const {
  Rng rng(12345);
  const Eigen::VectorXd lo = lower(), hi = upper();
  Eigen::VectorXd best = lo;
  double best_y = -1e300;
  for (int i = 0; i < 4000; ++i) {
    Eigen::VectorXd x(factors_);
    for (int j = 0; j < factors_; ++j) x(j) = rng.uniform(lo(j), hi(j));
    const double y = -evaluate(x);
    if (y > best_y) best_y = y, best = x;
  }
  // Compass search from the best random point.
  Eigen::VectorXd step = 0.1 * (hi - lo);
  for (int it = 0; it < 80; ++it) {
    for (int j = 0; j < factors_; ++j) {
      for (double sign : {1.0, -1.0}) {
        Eigen::VectorXd z = best;
        z(j) = std::clamp(z(j) + sign * step(j), lo(j), hi(j));
        const double y = -evaluate(z);
        if (y > best_y) best_y = y, best = z;
      }
    }
    step *= 0.85;
  }
  return best_y;
}

}  // namespace rnnopt::demos
