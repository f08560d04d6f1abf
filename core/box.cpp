#include "core/box.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace rnnopt {
namespace {

[[noreturn]] void reject(std::string_view where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

}  // namespace

void Box::validate(std::string_view where) const {
  if (lower.size() == 0) reject(where, "the box is empty (0 dimensions)");
  if (lower.size() != upper.size()) {
    reject(where, "box lower has " + std::to_string(lower.size()) + " dims but upper has " +
                      std::to_string(upper.size()));
  }
  for (Eigen::Index i = 0; i < lower.size(); ++i) {
    if (!std::isfinite(lower[i]) || !std::isfinite(upper[i])) {
      reject(where, "box bound of dimension " + std::to_string(i) + " is not finite");
    }
    if (!(lower[i] < upper[i])) {
      std::ostringstream os;
      os << "box dimension " << i << " is inverted or empty: lower " << lower[i] << " >= upper "
         << upper[i];
      reject(where, os.str());
    }
  }
}

bool Box::contains(const Eigen::VectorXd& x) const {
  if (x.size() != lower.size()) return false;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || x[i] < lower[i] || x[i] > upper[i]) return false;
  }
  return true;
}

Eigen::VectorXd Box::to_unit(const Eigen::VectorXd& x) const {
  return ((x - lower).array() / (upper - lower).array()).matrix();
}

Eigen::VectorXd Box::from_unit(const Eigen::VectorXd& u) const {
  return (lower.array() + u.array() * (upper - lower).array()).matrix();
}

Eigen::VectorXd Box::to_canonical(const Eigen::VectorXd& x) const {
  return (2.0 * to_unit(x).array() - 1.0).matrix();
}

Eigen::VectorXd Box::from_canonical(const Eigen::VectorXd& c) const {
  return from_unit((0.5 * (c.array() + 1.0)).matrix());
}

Eigen::VectorXd Box::clamp(const Eigen::VectorXd& x) const {
  return x.cwiseMax(lower).cwiseMin(upper);
}

Box Box::unit(int d) { return Box{Eigen::VectorXd::Zero(d), Eigen::VectorXd::Ones(d)}; }

Box Box::canonical(int d) {
  return Box{Eigen::VectorXd::Constant(d, -1.0), Eigen::VectorXd::Ones(d)};
}

}  // namespace rnnopt
