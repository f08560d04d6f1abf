#include "functions/noisy.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace rnnopt::functions {

NoisyObjective::NoisyObjective(ObjectivePtr base, double sd, std::uint64_t seed)
    : base_(std::move(base)), sd_(sd), rng_(seed) {
  if (!base_) throw std::invalid_argument("NoisyObjective::NoisyObjective(): base is null");
  if (!std::isfinite(sd) || sd < 0.0) {
    std::ostringstream os;
    os << "NoisyObjective::NoisyObjective(): sd must be finite and >= 0, got " << sd;
    throw std::invalid_argument(os.str());
  }
}

std::string NoisyObjective::name() const {
  std::ostringstream os;
  os << base_->name() << "+noise(sd=" << sd_ << ")";
  return os.str();
}

double NoisyObjective::evaluate(const Eigen::VectorXd& x) const {
  const double y = (*base_)(x);
  double eps = 0.0;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    eps = rng_.normal();
  }
  return y + sd_ * eps;
}

}  // namespace rnnopt::functions
