// rnnopt/baselines/spearmint.h: a Spearmint-like GP Bayesian optimizer (SpearmintOptimizer) and the
// same optimizer with fixed, known hyper-parameters (SpearmintFixed), the yardsticks of rnnopt.
//
// SpearmintOptimizer follows Spearmint: Snoek, Larochelle & Adams 2012, "Practical Bayesian
// Optimization of Machine Learning Algorithms", NeurIPS, arXiv:1206.2944 (sections 2.2, 3.1), with
// the input warping of Snoek, Swersky, Zemel & Adams 2014, ICML, arXiv:1402.0929, as the
// HIPS/Spearmint code does it (spearmint/models/gp.py, spearmint/choosers/default_chooser.py):
//  - inputs mapped to the unit cube; y standardised (zero mean, unit std, std 0 -> 1) at each fit;
//  - GP with constant mean + amp2 x Matern-5/2 ARD on Beta-CDF-warped inputs + 1e-6 jitter
//    (+ a noise variance when options.noisy, Spearmint's default GAUSSIAN likelihood);
//  - HIPS/Spearmint's priors: mean ~ N(0,1); amp2 = s^2, s ~ LogNormal(0,1); ls ~ U(0,10);
//    noise ~ horseshoe(0.1) (Spearmint's approximation); alpha, beta ~ LogNormal(0,1.5) on
//    [0.1,10];
//  - slice sampling (width 1, doubling, Neal's acceptability test) in two blocks per iteration:
//    a random-direction slice over (mean, amp2[, noise]), then coordinate-wise over
//    (ls, alpha, beta); burn-in of 100 iterations once, then 10 iterations per fit, all kept,
//    continuing the chain; the likelihood uses the observed data only;
//  - the first 2 proposals are Sobol points #(observed + pending): the lower corner, the centre;
//  - candidates: 20000 Sobol points + observed + pending + 10 spray points N(argmin of the
//    sample-averaged posterior mean, 0.001^2) clipped to the cube;
//  - EI of the latent function averaged over the 10 hyper-samples; the incumbent of each sample is
//    the minimum of its standardised training values including the fantasies (what HIPS code
//    does, not the GP-mean minimum); the best 20 candidates refined by bounded L-BFGS-B (LBFGSpp)
//    with analytic gradients through the Matern kernel and the warping; the refined point wins if
//    its EI is at least the best candidate's;
//  - pending points get kriging-believer fantasies (the posterior mean) per hyper-sample, added to
//    each sample's Cholesky factor incrementally.
//
// Deviations from the specification (and from HIPS/Spearmint):
//  1. Fully seedable: MCMC, spray and everything random come from rnnopt::Rng(seed).
//  2. Hyper-samples are refreshed only when observations arrived since the last fit. Proposals made
//     while nothing new was observed (the later points of propose_batch(n), or repeated propose()
//     calls) reuse the last 10 samples with the new pending fantasies; Spearmint would run 10
//     more MCMC iterations on the same data, which draws from the same posterior.
//  3. L-BFGS-B is LBFGSpp's, with scipy's defaults (m = 10, pgtol 1e-5, factr 1e7) but at most
//     search.lbfgs_max_iterations = 200 iterations per start (scipy: 15000); a start whose line
//     search fails keeps the best point it evaluated.
//  4. A proposal never repeats an observed or pending point exactly: if the best point does, the
//     best candidate that does not is taken (Spearmint could re-propose a point).
//  5. Non-positive-definite kernel matrices: the sampler rejects such hyper-parameters; a fit
//     raises the jitter tenfold (up to 6 times; numerical_trouble() counts it) instead of failing.
//     The Beta warping uses Boost.Math in double precision (promote_double<false>).
//  6. Only continuous (FLOAT) inputs: the box. No integer/enum decoding, no constraints, no
//     database persistence.
//
// Saved states (save_state()): SpearmintOptimizer stores the generator, the chain's state and
// length, the statistics and, when the current hyper-samples are in use, those samples; restore
// re-fits each sample's GP to the restored history (the same computation as the original fit), so
// the next proposal is identical. SpearmintFixed and GpUcb store the generator, the statistics and
// how many observations the current model was fitted to; restore re-fits that many and adds the
// rest one by one, as the original did.
//
// SpearmintFixed: the same search and EI with one GP whose hyper-parameters are given
// (FixedGpOptions: RBF or Matern-5/2, amplitude, length-scales in box units, mean, noise), no
// warping, no MCMC, and y not standardised by default; the Cholesky factor is extended by one row
// per observation. The paper found this the strongest baseline on GP test functions when given
// the test functions' prior.
//
//   rnnopt::baselines::SpearmintOptimizer opt(rnnopt::Box{lower, upper}, {}, /*seed=*/7);
//   for (int t = 0; t < 50; ++t) {
//     Eigen::VectorXd x = opt.propose();
//     opt.observe(x, f(x));
//   }
//   rnnopt::baselines::FixedGpOptions fixed;
//   fixed.kernel = rnnopt::KernelKind::kRbf;
//   fixed.length_scales = Eigen::VectorXd::Constant(1, 0.3);
//   rnnopt::baselines::SpearmintFixed known(rnnopt::Box::canonical(2), fixed, /*seed=*/7);
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "baselines/gp_options.h"
#include "core/rng.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

namespace internal {
class GpPosterior;
class HyperPosterior;
class SliceSampler;
}  // namespace internal

struct SpearmintOptions {
  bool noisy = true;         // GAUSSIAN likelihood (Spearmint's default); false: NOISELESS
  bool warp = true;          // Beta-CDF input warping (HIPS Spearmint: always on)
  int initial_design = 2;    // Sobol points before the first GP (DEFAULT_NUMDESIGN)
  int burn_in = 100;         // MCMC iterations run once, at the first fit (DEFAULT_BURNIN)
  int mcmc_iters = 10;       // iterations per fit, each kept as a hyper-sample
  double slice_width = 1.0;  // initial slice bracket (sigma)
  int max_steps_out = 1000;  // doubling steps at most
  double jitter = 1e-6;      // fixed stability noise on the kernel diagonal
  // Priors (HIPS/Spearmint's, listed at the top of this file).
  double mean_prior_sd = 1.0;
  double amp2_scale = 1.0;   // LognormalOnSquare scale
  double max_ls = 10.0;      // top-hat upper bound of the length-scales
  double noise_scale = 0.1;  // horseshoe scale
  double warp_sigma = 1.5;   // LogNormal sigma of alpha and beta
  double warp_min = 0.1;
  double warp_max = 10.0;
  SearchOptions search;

  // Throws std::invalid_argument("SpearmintOptions::validate(): <field> ...").
  void validate() const;
};

// Diagnostics of a GP optimizer's fits so far.
struct GpOptimizerStats {
  int fits = 0;               // model fits (MCMC runs for SpearmintOptimizer)
  int mcmc_iterations = 0;    // including burn-in
  int sampler_stuck = 0;      // slice updates that found no acceptable point
  int numerical_trouble = 0;  // jitter raises in Cholesky factorisations
  int lbfgs_failures = 0;     // L-BFGS-B starts stopped by a failed line search
  int refined_wins = 0;       // proposals where the refined point beat the best candidate
};

class SpearmintOptimizer final : public Optimizer {
 public:
  // Requires a valid box and options (options.validate()); throws std::invalid_argument
  // ("SpearmintOptimizer::SpearmintOptimizer(): ...") otherwise.
  SpearmintOptimizer(Box box, SpearmintOptions options, std::uint64_t seed);
  ~SpearmintOptimizer() override;

  const SpearmintOptions& options() const { return options_; }
  const GpOptimizerStats& stats() const { return stats_; }
  // The current hyper-samples (empty before the first fit), in unit-cube / standardised units:
  // mean, amp2, noise, ls, alpha, beta of each.
  std::vector<GpHypers> hyper_samples() const;

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation& obs) override;
  std::string do_name() const override { return "spearmint"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;
  void fit();

  SpearmintOptions options_;
  Rng rng_;
  Eigen::MatrixXd grid_;
  std::unique_ptr<internal::HyperPosterior> posterior_;
  std::unique_ptr<internal::SliceSampler> sampler_;
  GpHypers state_;                             // the chain's current state
  std::vector<internal::GpPosterior> models_;  // one per hyper-sample, on observed data
  int chain_length_ = 0;
  bool fitted_ = false;  // models_ match history()
  GpOptimizerStats stats_;
};

class SpearmintFixed final : public Optimizer {
 public:
  // Requires a valid box and options.validate(where, box.dim()); throws std::invalid_argument
  // ("SpearmintFixed::SpearmintFixed(): ...") otherwise.
  SpearmintFixed(Box box, FixedGpOptions options, std::uint64_t seed);
  ~SpearmintFixed() override;

  const FixedGpOptions& options() const { return options_; }
  const GpOptimizerStats& stats() const { return stats_; }

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation& obs) override;
  std::string do_name() const override { return "spearmint-fixed"; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;

  FixedGpOptions options_;
  Rng rng_;
  Eigen::MatrixXd grid_;
  std::unique_ptr<internal::GpPosterior> model_;  // on observed data (raw or standardised y)
  bool model_stale_ = true;
  int model_fit_size_ = 0;  // observations in the last full fit (later ones were added to it)
  GpOptimizerStats stats_;
};

}  // namespace rnnopt::baselines
