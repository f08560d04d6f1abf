// rnnopt/baselines/gp_options.h: options shared by the GP baselines (SpearmintOptimizer,
// SpearmintFixed, GpUcb): the kernel choice, the candidate search of the acquisition, and the
// fixed hyper-parameters of SpearmintFixed and GpUcb.
//
//   rnnopt::baselines::FixedGpOptions o;
//   o.kernel = rnnopt::KernelKind::kRbf;
//   o.amplitude2 = 1.0;                       // signal variance, in the units of y squared
//   o.length_scales = Eigen::VectorXd::Constant(1, 0.3);   // box units, one or dim() values
//   o.search.grid_size = 5000;                // cheaper candidate grid
//   o.validate("MyTool", /*d=*/2);
#pragma once

#include <Eigen/Core>
#include <string_view>

#include "core/kernel.h"

namespace rnnopt::baselines {

// The kernel kind is core's (core/kernel.h). GpKernel, the old name, stays for one release.
using GpKernel = KernelKind;

// One set of GP hyper-parameters in the model's units: unit-cube inputs, and y as the model sees
// it (standardised for SpearmintOptimizer).
struct GpHypers {
  double mean = 0.0;      // constant mean
  double amp2 = 1.0;      // signal variance
  double noise = 0.0;     // observation-noise variance (0: noiseless)
  Eigen::VectorXd ls;     // length-scales, after warping
  Eigen::VectorXd alpha;  // Beta-CDF warping parameters, used when warp is true
  Eigen::VectorXd beta;
  bool warp = false;

  // Spearmint's initial values: mean 0, amp2 1, noise 0, ls = alpha = beta = 1, no warping.
  static GpHypers defaults(int d);
  int dim() const { return static_cast<int>(ls.size()); }
};

// How the acquisition function is maximised, as HIPS/Spearmint's default chooser does it
// (spearmint/choosers/default_chooser.py): evaluated on a Sobol grid plus the observed and pending
// points plus a spray around the best posterior-mean point, then the best grid_subset candidates
// are refined with bounded L-BFGS-B.
struct SearchOptions {
  int grid_size = 20000;           // Sobol candidates (Spearmint: 20000)
  int grid_seed = 0;               // Sobol points skipped before the grid (Spearmint: 0)
  int num_spray = 10;              // Gaussian spray points around the best mean point
  double spray_std = 1e-3;         // their standard deviation, unit-cube units
  int grid_subset = 20;            // best candidates refined by L-BFGS-B (0: no refinement)
  int lbfgs_max_iterations = 200;  // per start (scipy's default is 15000; rarely reached)
  int num_threads = 0;             // 0: std::thread::hardware_concurrency()

  // Throws std::invalid_argument("<where>: search.<field> ...") for a bad field.
  void validate(std::string_view where) const;
};

// Fixed hyper-parameters of a GP on the optimizer's box (SpearmintFixed, GpUcb). No warping and no
// hyper-parameter inference: the model is exactly this prior.
struct FixedGpOptions {
  KernelKind kernel = KernelKind::kMatern52;
  double amplitude2 = 1.0;  // prior signal variance (of y, or of standardised y)
  // Length-scales in the units of the box coordinates: one value for every dimension, or one per
  // dimension. Empty: 0.2 x the box width in every dimension.
  Eigen::VectorXd length_scales;
  double mean = 0.0;           // constant prior mean
  double noise = 0.0;          // observation-noise variance
  bool standardize_y = false;  // false: the hyper-parameters are in the units of y
  double jitter = 1e-6;        // added to the kernel diagonal for stability
  int initial_design = 2;      // Sobol points 0, 1, ... (corner, centre) before the GP
  SearchOptions search;

  // Requires d >= 1. Throws std::invalid_argument("<where>: ...") for a bad field.
  void validate(std::string_view where, int d) const;
};

}  // namespace rnnopt::baselines
