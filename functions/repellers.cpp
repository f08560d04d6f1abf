#include "functions/repellers.h"

#include <cmath>
#include <stdexcept>

#include "core/box.h"
#include "core/rng.h"

namespace rnnopt::functions {
namespace {

using C = RepellersConstants;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

}  // namespace

Repellers::Repellers(Eigen::Vector2d goal, std::optional<InstanceTransform> transform,
                     std::string name)
    : goal_(goal), transform_(std::move(transform)), name_(std::move(name)) {
  if (!goal_.allFinite()) fail("Repellers::Repellers()", "the goal is not finite");
  if (transform_ && transform_->scale.size() != 6) {
    fail("Repellers::Repellers()", "the instance transform must have 6 dimensions");
  }
  if (name_.empty()) fail("Repellers::Repellers()", "the name is empty");
}

std::vector<Repeller> Repellers::repellers(const Eigen::VectorXd& theta) const {
  if (theta.size() != 6) {
    fail("Repellers::repellers()",
         "theta has " + std::to_string(theta.size()) + " entries, expected 6");
  }
  Eigen::VectorXd t = theta;
  if (transform_) {
    // The paper's instance perturbation (section 5.2), in unit coordinates of [-1,1]^6.
    const Eigen::VectorXd u = (theta.array() + 1.0) / 2.0;
    t = (2.0 * transform_->apply(u).array() - 1.0).matrix();
  }
  std::vector<Repeller> out(C::kRepellers);
  for (int k = 0; k < C::kRepellers; ++k) {
    out[k].position = Eigen::Vector2d(0.5 + 0.5 * t(3 * k), 0.5 + 0.5 * t(3 * k + 1));
    out[k].strength = std::max(0.0, C::kMaxStrength * (1.0 + t(3 * k + 2)) / 2.0);
  }
  return out;
}

double Repellers::run(const std::vector<Repeller>& reps, std::vector<ParticlePath>* paths) const {
  const double eps2 = C::kSoftening * C::kSoftening;
  const double two_w2 = 2.0 * C::kRewardWidth * C::kRewardWidth;
  double total = 0.0;
  if (paths) paths->assign(C::kParticles, ParticlePath{});
  for (int i = 0; i < C::kParticles; ++i) {
    Eigen::Vector2d q(C::kStartX[i], C::kStartY);
    Eigen::Vector2d v = Eigen::Vector2d::Zero();
    if (paths) (*paths)[i].positions.push_back(q);
    double discount = 1.0;  // gamma^(t-1)
    double best = 0.0;      // the particle's reward: max_t gamma^(t-1) r(q_t)
    for (int t = 1; t <= C::kSteps; ++t) {
      // Semi-implicit Euler: velocity from the acceleration at the current state, then position
      // from the new velocity.
      Eigen::Vector2d a(0.0, -C::kGravity);
      a -= C::kDrag * v;
      for (const Repeller& r : reps) {
        const Eigen::Vector2d diff = q - r.position;
        const double d2 = diff.squaredNorm() + eps2;
        a += r.strength * diff / (d2 * std::sqrt(d2));
      }
      v += C::kDt * a;
      q += C::kDt * v;
      if (paths) (*paths)[i].positions.push_back(q);
      if (!(q.x() >= 0.0 && q.x() <= 1.0 && q.y() >= 0.0 && q.y() <= 1.0)) {
        if (paths) (*paths)[i].absorbed = true;
        break;
      }
      const double outside = std::max(0.0, (q - goal_).norm() - C::kGoalRadius);
      best = std::max(best, discount * std::exp(-outside * outside / two_w2));
      if (outside == 0.0) {  // reached the goal: later steps cannot earn more
        if (paths) (*paths)[i].reached = true;
        break;
      }
      discount *= C::kDiscount;
    }
    total += best;
  }
  return total / C::kParticles;
}

std::vector<ParticlePath> Repellers::simulate(const Eigen::VectorXd& theta) const {
  (void)(*this)(theta);  // checks theta like operator()
  std::vector<ParticlePath> paths;
  run(repellers(theta), &paths);
  return paths;
}

double Repellers::discounted_reward(const Eigen::VectorXd& theta) const { return -(*this)(theta); }

double Repellers::evaluate(const Eigen::VectorXd& x) const { return -run(repellers(x), nullptr); }

std::shared_ptr<const Repellers> make_repellers() {
  return std::make_shared<const Repellers>(Eigen::Vector2d(0.75, 0.35), std::nullopt, "repellers");
}

std::shared_ptr<const Repellers> make_repellers(std::uint64_t seed) {
  InstanceTransform transform = InstanceTransform::draw(6, seed);
  Rng rng(derive_seed(seed, 1));
  const double gx = rng.uniform(0.55, 0.9);
  const double gy = rng.uniform(0.15, 0.5);
  return std::make_shared<const Repellers>(Eigen::Vector2d(gx, gy), std::move(transform),
                                           "repellers#instance-" + std::to_string(seed));
}

}  // namespace rnnopt::functions
