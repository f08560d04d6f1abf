// rnnopt/functions/gp_sample.h: functions drawn from a Gaussian-process prior on [-1,1]^d.
//
// The paper meta-trains and tests its optimizers on GP prior samples (reference/paper.md, section
// 2). Here a sample is a random-Fourier-feature function (Rahimi & Recht 2007)
//
//   f(x) = scale * sum_m weight[m] * cos(omega.row(m) . x + phase[m]),   scale = sqrt(2 variance /
//   M)
//
// whose covariance converges to the kernel as M grows. omega already includes the length-scales
// (omega = z / ell, with z ~ N(0, I) for RBF and a multivariate Student-t with 5 degrees of freedom
// for Matern-5/2). The drawn parameters are exposed (params()) so that the LibTorch sampler of the
// meta-trainer can rebuild the very same function from the same seed, batched and differentiable.
//
//   rnnopt::functions::GpPrior prior;                      // defaults documented below
//   auto f = rnnopt::functions::draw_gp_sample(prior, /*d=*/2, /*seed=*/1234);
//   double y = (*f)(Eigen::Vector2d(0.1, -0.3));
//   Eigen::VectorXd g = f->gradient(Eigen::Vector2d(0.1, -0.3));
//   double f_star = *f->known_minimum();                  // dense Sobol + L-BFGS-B, cached
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "functions/objective.h"

namespace rnnopt::functions {

enum class GpKernel { kRbf, kMatern52 };

// How the length-scale of each drawn function is chosen. One length-scale per function, shared by
// all dimensions unless per_dimension is true (then each dimension draws its own).
struct LengthScaleDistribution {
  enum class Kind { kFixed, kUniform, kLogUniform };
  Kind kind = Kind::kFixed;
  double low = 0.3;  // the fixed value for kFixed; the range [low, high] otherwise
  double high = 0.3;
  bool per_dimension = false;
};

struct GpPrior {
  GpKernel kernel = GpKernel::kRbf;
  double variance = 1.0;  // signal variance (amplitude^2) of the prior
  LengthScaleDistribution length_scale;
  int num_features = 1024;  // M, random Fourier features per sample

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
  // e.g. "rbf(var=1,ell=0.3)"
  std::string describe() const;
  // k(x, x') of the prior for the given length-scales (the exact kernel, not its RFF estimate).
  double kernel_value(const Eigen::VectorXd& x, const Eigen::VectorXd& x2,
                      const Eigen::VectorXd& length_scales) const;
};

// The drawn parameters of one sample: everything needed to evaluate it anywhere.
struct GpSampleParams {
  Eigen::MatrixXd omega;          // M x d frequencies (length-scales included)
  Eigen::VectorXd phase;          // M phases in [0, 2 pi)
  Eigen::VectorXd weight;         // M standard-normal weights
  double scale = 0.0;             // sqrt(2 variance / M)
  Eigen::VectorXd length_scales;  // d length-scales the frequencies were divided by
};

class GpSample final : public Objective {
 public:
  GpSample(GpSampleParams params, std::uint64_t seed, std::string prior_description);

  int dim() const override { return static_cast<int>(params_.omega.cols()); }
  Eigen::VectorXd lower() const override { return Eigen::VectorXd::Constant(dim(), -1.0); }
  Eigen::VectorXd upper() const override { return Eigen::VectorXd::Ones(dim()); }
  // The global minimum over [-1,1]^d, found once (dense Sobol points, then bounded L-BFGS-B from
  // the best few) and cached; thread-safe.
  std::optional<double> known_minimum() const override;
  std::string name() const override;

  // The minimiser found with known_minimum().
  Eigen::VectorXd argmin() const;
  // df/dx at x (x unchecked beyond its dimension).
  Eigen::VectorXd gradient(const Eigen::VectorXd& x) const;
  // f(x) without the box check, for hot loops (x must have dim() entries).
  double value_unchecked(const Eigen::VectorXd& x) const;

  const GpSampleParams& params() const { return params_; }
  std::uint64_t seed() const { return seed_; }

 private:
  double evaluate(const Eigen::VectorXd& x) const override { return value_unchecked(x); }
  void find_minimum() const;

  GpSampleParams params_;
  std::uint64_t seed_;
  std::string prior_description_;
  mutable std::once_flag minimum_once_;
  mutable double minimum_ = 0.0;
  mutable Eigen::VectorXd argmin_;
};

// Draws the parameters of one sample on [-1,1]^d from rnnopt::Rng(seed), in this order:
// length-scale(s), then omega row by row, then the phases, then the weights.
GpSampleParams draw_gp_params(const GpPrior& prior, int d, std::uint64_t seed);

// A sample as an Objective. Throws std::invalid_argument for d < 1 or an invalid prior.
std::shared_ptr<GpSample> draw_gp_sample(const GpPrior& prior, int d, std::uint64_t seed);

}  // namespace rnnopt::functions
