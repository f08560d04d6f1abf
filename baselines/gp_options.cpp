#include "baselines/gp_options.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace rnnopt::baselines {
namespace {

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

}  // namespace

GpHypers GpHypers::defaults(int d) {
  GpHypers h;
  h.ls = Eigen::VectorXd::Ones(d);
  h.alpha = Eigen::VectorXd::Ones(d);
  h.beta = Eigen::VectorXd::Ones(d);
  return h;
}

void SearchOptions::validate(std::string_view where) const {
  if (grid_size < 1) fail(where, "search.grid_size must be >= 1, got " + std::to_string(grid_size));
  if (grid_seed < 0) fail(where, "search.grid_seed must be >= 0, got " + std::to_string(grid_seed));
  if (num_spray < 0) fail(where, "search.num_spray must be >= 0, got " + std::to_string(num_spray));
  if (!(spray_std > 0.0) || !std::isfinite(spray_std)) {
    fail(where, "search.spray_std must be positive and finite");
  }
  if (grid_subset < 0) {
    fail(where, "search.grid_subset must be >= 0, got " + std::to_string(grid_subset));
  }
  if (lbfgs_max_iterations < 1) fail(where, "search.lbfgs_max_iterations must be >= 1");
  if (num_threads < 0) fail(where, "search.num_threads must be >= 0 (0: all cores)");
}

void FixedGpOptions::validate(std::string_view where, int d) const {
  if (d < 1) fail(where, "dimension must be >= 1");
  if (!(amplitude2 > 0.0) || !std::isfinite(amplitude2)) {
    fail(where, "amplitude2 must be positive and finite");
  }
  if (length_scales.size() != 0 && length_scales.size() != 1 && length_scales.size() != d) {
    fail(where, "length_scales has " + std::to_string(length_scales.size()) +
                    " values, expected 0, 1 or " + std::to_string(d));
  }
  for (Eigen::Index j = 0; j < length_scales.size(); ++j) {
    if (!(length_scales[j] > 0.0) || !std::isfinite(length_scales[j])) {
      fail(where, "length_scales[" + std::to_string(j) + "] must be positive and finite");
    }
  }
  if (!std::isfinite(mean)) fail(where, "mean must be finite");
  if (!(noise >= 0.0) || !std::isfinite(noise)) fail(where, "noise must be >= 0 and finite");
  if (!(jitter >= 0.0) || !std::isfinite(jitter)) fail(where, "jitter must be >= 0 and finite");
  if (initial_design < 1) fail(where, "initial_design must be >= 1");
  search.validate(where);
}

}  // namespace rnnopt::baselines
