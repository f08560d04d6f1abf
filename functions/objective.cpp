#include "functions/objective.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace rnnopt::functions {

double Objective::operator()(const Eigen::VectorXd& x) const {
  if (x.size() != dim()) {
    throw std::invalid_argument(name() + ": x has " + std::to_string(x.size()) +
                                " dims, expected " + std::to_string(dim()));
  }
  const Eigen::VectorXd lo = lower();
  const Eigen::VectorXd hi = upper();
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw std::invalid_argument(name() + ": x[" + std::to_string(i) + "] is not finite");
    }
    if (x[i] < lo[i] || x[i] > hi[i]) {
      std::ostringstream os;
      os << name() << ": x[" << i << "] = " << x[i] << " is outside the box [" << lo[i] << ", "
         << hi[i] << "]";
      throw std::invalid_argument(os.str());
    }
  }
  return evaluate(x);
}

}  // namespace rnnopt::functions
