#include "optimizer/optimizer.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace rnnopt {
namespace {

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

std::string format_vector(const Eigen::VectorXd& v) {
  std::ostringstream os;
  os.precision(6);
  os << '(';
  for (Eigen::Index i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << ')';
  return os.str();
}

}  // namespace

void Box::validate(std::string_view where) const {
  if (lower.size() == 0) fail(where, "the box is empty (0 dimensions)");
  if (lower.size() != upper.size()) {
    fail(where, "box lower has " + std::to_string(lower.size()) + " dims but upper has " +
                    std::to_string(upper.size()));
  }
  for (Eigen::Index i = 0; i < lower.size(); ++i) {
    if (!std::isfinite(lower[i]) || !std::isfinite(upper[i])) {
      fail(where, "box bound of dimension " + std::to_string(i) + " is not finite");
    }
    if (!(lower[i] < upper[i])) {
      std::ostringstream os;
      os << "box dimension " << i << " is inverted or empty: lower " << lower[i] << " >= upper "
         << upper[i];
      fail(where, os.str());
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

Optimizer::Optimizer(Box box, std::string_view who) : box_(std::move(box)) {
  box_.validate(who);
}

Eigen::VectorXd Optimizer::propose() {
  Eigen::VectorXd x = do_propose();
  if (x.size() != dim()) {
    throw std::logic_error(name() + "::propose(): internal error, proposed " +
                           std::to_string(x.size()) + " dims, expected " + std::to_string(dim()));
  }
  // Round-off at the faces is the optimizer's business, not the caller's.
  x = box_.clamp(x);
  pending_.push_back(x);
  return x;
}

std::vector<Eigen::VectorXd> Optimizer::propose_batch(int n) {
  if (n < 1) {
    fail(name() + "::propose_batch()", "n must be at least 1, got " + std::to_string(n));
  }
  const std::size_t before = pending_.size();
  std::vector<Eigen::VectorXd> xs = do_propose_batch(n);
  if (static_cast<int>(xs.size()) != n) {
    throw std::logic_error(name() + "::propose_batch(): internal error, returned " +
                           std::to_string(xs.size()) + " points, expected " + std::to_string(n));
  }
  pending_.resize(before);
  for (auto& x : xs) {
    x = box_.clamp(x);
    pending_.push_back(x);
  }
  return xs;
}

std::vector<Eigen::VectorXd> Optimizer::do_propose_batch(int n) {
  std::vector<Eigen::VectorXd> xs;
  xs.reserve(n);
  for (int i = 0; i < n; ++i) {
    Eigen::VectorXd x = box_.clamp(do_propose());
    pending_.push_back(x);
    xs.push_back(std::move(x));
  }
  return xs;
}

void Optimizer::observe(const Eigen::VectorXd& x, double y) {
  const std::string where = name() + "::observe()";
  if (x.size() != dim()) {
    fail(where, "x has " + std::to_string(x.size()) + " dims, expected " + std::to_string(dim()));
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) fail(where, "x[" + std::to_string(i) + "] is not finite");
  }
  if (!box_.contains(x)) fail(where, "x = " + format_vector(x) + " is outside the box");
  if (!std::isfinite(y)) {
    fail(where, "y is not finite (" + std::to_string(y) +
                    "); report failed evaluations as a large finite value or skip them");
  }
  const auto previous_best = best_index_;
  history_.push_back(Observation{x, y});
  if (!best_index_ || y < history_[*best_index_].y) best_index_ = history_.size() - 1;
  try {
    do_observe(history_.back());
  } catch (...) {
    // Keep the optimizer unchanged if the derived class rejects the observation.
    history_.pop_back();
    best_index_ = previous_best;
    throw;
  }
  // pending() still holds x during do_observe(), so a derived class can tell a fed-back proposal
  // from an outside observation.
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (*it == x) {
      pending_.erase(it);
      break;
    }
  }
}

std::optional<Observation> Optimizer::best() const {
  if (!best_index_) return std::nullopt;
  return history_[*best_index_];
}

void Optimizer::restore_base_state(std::vector<Observation> history,
                                   std::vector<Eigen::VectorXd> pending) {
  history_ = std::move(history);
  pending_ = std::move(pending);
  best_index_.reset();
  for (std::size_t i = 0; i < history_.size(); ++i) {
    if (!best_index_ || history_[i].y < history_[*best_index_].y) best_index_ = i;
  }
}

}  // namespace rnnopt
