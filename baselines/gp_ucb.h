// rnnopt/baselines/gp_ucb.h: GP-UCB (Srinivas, Krause, Kakade & Seeger, ICML 2010) for
// minimisation, on a GP with fixed hyper-parameters.
//
// Each proposal minimises the lower confidence bound mu(x) - sqrt(beta_t) sigma(x) of the
// posterior of a fixed-hyper-parameter GP (FixedGpOptions, as SpearmintFixed), i.e. maximises
// sqrt(beta_t) sigma - mu, with the candidate search of the GP baselines (Sobol grid + data +
// spray, then bounded L-BFGS-B with analytic gradients). The schedule is Srinivas et al.'s
// Theorem 1 for a finite decision set D, applied to the candidate grid (|D| = grid_size):
//
//   beta_t = beta_scale * 2 log(|D| t^2 pi^2 / (6 delta)),   t = 1 + number of observations.
//
// beta_scale = 1 is the theory's value; Srinivas et al. scale it down (by 5) in their experiments,
// which a caller can do with beta_scale = 0.2. Pending points are handled as in GP-BUCB (Desautels
// et al., 2014): their posterior mean is fed back as a hallucinated observation, which shrinks the
// variance there and leaves the mean unchanged.
//
//   rnnopt::baselines::GpUcbOptions o;
//   o.gp.length_scales = Eigen::VectorXd::Constant(1, 0.3);
//   rnnopt::baselines::GpUcb opt(rnnopt::Box::unit(2), o, /*seed=*/7);
//   Eigen::VectorXd x = opt.propose();
//   opt.observe(x, f(x));
//   double beta = opt.beta();   // beta_t of the next proposal
//
// Saved states are restored as SpearmintFixed's (spearmint.h): the model is re-fitted to as many
// observations as the original's last full fit, and the later ones are added one by one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "baselines/gp_options.h"
#include "baselines/spearmint.h"
#include "core/rng.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

struct GpUcbOptions {
  FixedGpOptions gp;
  double delta = 0.1;       // confidence parameter of the schedule, in (0, 1)
  double beta_scale = 1.0;  // multiplies beta_t (> 0)

  // Throws std::invalid_argument("<where>: ...") for a bad field.
  void validate(std::string_view where, int d) const;
};

class GpUcb final : public Optimizer {
 public:
  // Requires a valid box and options; throws std::invalid_argument("GpUcb::GpUcb(): ...").
  GpUcb(Box box, GpUcbOptions options, std::uint64_t seed);
  ~GpUcb() override;

  // beta_t for the next proposal (t = 1 + history().size()).
  double beta() const;
  const GpOptimizerStats& stats() const { return stats_; }

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation& obs) override;
  std::string do_name() const override { return "gp-ucb"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  GpUcbOptions options_;
  Rng rng_;
  Eigen::MatrixXd grid_;
  std::unique_ptr<internal::GpPosterior> model_;
  bool model_stale_ = true;
  int model_fit_size_ = 0;  // observations in the last full fit (later ones were added to it)
  GpOptimizerStats stats_;
};

}  // namespace rnnopt::baselines
