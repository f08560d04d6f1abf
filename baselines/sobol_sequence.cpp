#include "baselines/sobol_sequence.h"

#include <stdexcept>
#include <string>

#include "core/rng.h"

namespace rnnopt::baselines {
namespace {

int checked_dim(int d) {
  if (d < 1 || d > SobolSequence::max_dim()) {
    throw std::invalid_argument("SobolSequence::SobolSequence(): d = " + std::to_string(d) +
                                " is outside [1, " + std::to_string(SobolSequence::max_dim()) +
                                "]");
  }
  return d;
}

}  // namespace

int SobolSequence::max_dim() {
  return static_cast<int>(boost::random::default_sobol_table::max_dimension);
}

SobolSequence::SobolSequence(int d, std::optional<std::uint64_t> shift_seed)
    : d_(checked_dim(d)), shift_(d, 0), engine_(static_cast<std::size_t>(d)) {
  if (shift_seed) {
    Rng rng(*shift_seed);
    for (auto& s : shift_) s = rng.next_u64();
  }
}

Eigen::VectorXd SobolSequence::next() {
  Eigen::VectorXd u(d_);
  for (int j = 0; j < d_; ++j) {
    // Point 0 is the origin; Boost's engine starts at point 1.
    const std::uint64_t raw = index_ == 0 ? 0 : static_cast<std::uint64_t>(engine_());
    // Keep 53 bits so that the double is exact and strictly below 1.
    u[j] = static_cast<double>((raw ^ shift_[j]) >> 11) * 0x1.0p-53;
  }
  ++index_;
  return u;
}

void SobolSequence::discard(std::uint64_t n) {
  if (n == 0) return;
  // Boost's engine is at point index_ (its own count is index_ - 1 for index_ >= 1).
  const std::uint64_t target = index_ + n;
  engine_.seed(target - 1);
  index_ = target;
}

Eigen::MatrixXd sobol_grid(int d, int n, std::uint64_t first,
                           std::optional<std::uint64_t> shift_seed) {
  if (n < 0) throw std::invalid_argument("sobol_grid(): n must be >= 0, got " + std::to_string(n));
  SobolSequence seq(d, shift_seed);
  seq.discard(first);
  Eigen::MatrixXd grid(n, d);
  for (int i = 0; i < n; ++i) grid.row(i) = seq.next().transpose();
  return grid;
}

}  // namespace rnnopt::baselines
