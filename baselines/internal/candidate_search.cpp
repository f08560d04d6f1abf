#include "baselines/internal/candidate_search.h"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

#include "baselines/spearmint.h"
#include "core/parallel_for.h"

namespace rnnopt::baselines::internal {
namespace {

constexpr int kBlockRows = 1024;  // candidates per prediction block (cache-sized)

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Acquisition values of every row of `cands` from per-model means and variances.
Eigen::VectorXd acquisition_values(const Acquisition& acq, const Eigen::MatrixXd& mu,
                                   const Eigen::MatrixXd& var) {
  const Eigen::Index m = mu.rows();
  const Eigen::Index s = mu.cols();
  Eigen::VectorXd a(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    if (acq.kind == AcquisitionKind::kLowerConfidenceBound) {
      a[i] = std::sqrt(acq.beta * var(i, 0)) - mu(i, 0);
    } else {
      double sum = 0.0;
      for (Eigen::Index k = 0; k < s; ++k) {
        sum += expected_improvement(acq.targets[k], mu(i, k), std::sqrt(var(i, k))).ei;
      }
      a[i] = sum / static_cast<double>(s);
    }
  }
  return a;
}

// Predicts every model at every row of cands: mu and var are m x S.
void predict_all(const std::vector<GpPosterior>& models, const Eigen::MatrixXd& cands, int threads,
                 Eigen::MatrixXd& mu, Eigen::MatrixXd& var) {
  const int m = static_cast<int>(cands.rows());
  const int s = static_cast<int>(models.size());
  mu.resize(m, s);
  var.resize(m, s);
  const int blocks = (m + kBlockRows - 1) / kBlockRows;
  // Warp and scale the candidates once per model (the warping is the costly part), then predict
  // blocks of them.
  std::vector<Eigen::MatrixXd> z(s);
  parallel_for(s, threads, [&](int k) {
    z[k] = models[k].transform(cands);
    models[k].prepare_batch_prediction();
  });
  parallel_for(blocks * s, threads, [&](int task) {
    const int k = task / blocks;
    const int b = task % blocks;
    const int first = b * kBlockRows;
    const int rows = std::min(kBlockRows, m - first);
    Eigen::VectorXd mean, variance;
    models[k].predict_transformed(z[k].middleRows(first, rows), mean, variance);
    mu.col(k).segment(first, rows) = mean;
    var.col(k).segment(first, rows) = variance;
  });
}

bool duplicates(const Eigen::VectorXd& u, const Eigen::MatrixXd& avoid) {
  for (Eigen::Index i = 0; i < avoid.rows(); ++i) {
    if ((avoid.row(i).transpose() - u).cwiseAbs().maxCoeff() < 1e-12) return true;
  }
  return false;
}

}  // namespace

double acquisition_at(const std::vector<GpPosterior>& models, const Acquisition& acq,
                      const Eigen::VectorXd& u, Eigen::VectorXd* grad) {
  const bool with_gradient = grad != nullptr;
  if (with_gradient) grad->setZero(u.size());
  if (acq.kind == AcquisitionKind::kLowerConfidenceBound) {
    const PointPrediction p = models[0].predict_point(u, with_gradient);
    const double sd = std::sqrt(p.var);
    const double rb = std::sqrt(acq.beta);
    if (with_gradient) {
      *grad = -p.d_mean;
      if (sd > 1e-12) *grad += rb * p.d_var / (2.0 * sd);
    }
    return rb * sd - p.mean;
  }
  double sum = 0.0;
  for (std::size_t k = 0; k < models.size(); ++k) {
    const PointPrediction p = models[k].predict_point(u, with_gradient);
    const double sd = std::sqrt(p.var);
    const EiValue e = expected_improvement(acq.targets[k], p.mean, sd);
    sum += e.ei;
    if (with_gradient) {
      *grad += e.d_mean * p.d_mean;
      if (sd > 1e-12) *grad += e.d_sd * p.d_var / (2.0 * sd);
    }
  }
  const double scale = 1.0 / static_cast<double>(models.size());
  if (with_gradient) *grad *= scale;
  return sum * scale;
}

SearchResult maximize_acquisition(const std::vector<GpPosterior>& models, const Acquisition& acq,
                                  const Eigen::MatrixXd& grid, const Eigen::MatrixXd& extra,
                                  const Eigen::MatrixXd& avoid, const SearchOptions& options,
                                  Rng& rng) {
  const int d = models.front().hypers().dim();
  const int threads = resolve_threads(options.num_threads);
  Eigen::MatrixXd cands(grid.rows() + extra.rows(), d);
  cands << grid, extra;
  Eigen::MatrixXd mu, var;
  predict_all(models, cands, threads, mu, var);

  // Spray around the minimiser of the model-averaged posterior mean.
  if (options.num_spray > 0 && cands.rows() > 0) {
    Eigen::Index best_row = 0;
    mu.rowwise().mean().minCoeff(&best_row);
    const Eigen::VectorXd centre = cands.row(best_row).transpose();
    Eigen::MatrixXd spray(options.num_spray, d);
    for (int i = 0; i < options.num_spray; ++i) {
      for (int j = 0; j < d; ++j) {
        spray(i, j) = std::clamp(centre[j] + options.spray_std * rng.normal(), 0.0, 1.0);
      }
    }
    Eigen::MatrixXd mu_s, var_s;
    predict_all(models, spray, 1, mu_s, var_s);
    const Eigen::Index m0 = cands.rows();
    cands.conservativeResize(m0 + options.num_spray, Eigen::NoChange);
    cands.bottomRows(options.num_spray) = spray;
    mu.conservativeResize(m0 + options.num_spray, Eigen::NoChange);
    mu.bottomRows(options.num_spray) = mu_s;
    var.conservativeResize(m0 + options.num_spray, Eigen::NoChange);
    var.bottomRows(options.num_spray) = var_s;
  }
  const Eigen::VectorXd values = acquisition_values(acq, mu, var);

  // Candidates by decreasing acquisition (ties: lower index first).
  std::vector<int> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  const int top = std::min<int>(std::max(options.grid_subset, 1), static_cast<int>(order.size()));
  std::partial_sort(order.begin(), order.begin() + top, order.end(), [&](int a, int b) {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  });

  SearchResult result;
  result.u = cands.row(order[0]).transpose();
  result.value = values[order[0]];

  // Bounded L-BFGS-B from the best grid_subset candidates (scipy's defaults: m = 10,
  // pgtol = 1e-5, factr = 1e7).
  const int starts = std::min(options.grid_subset, static_cast<int>(order.size()));
  std::vector<Eigen::VectorXd> refined(starts);
  std::vector<double> refined_value(starts, -std::numeric_limits<double>::infinity());
  std::vector<int> failed(starts, 0);
  parallel_for(starts, threads, [&](int k) {
    LBFGSpp::LBFGSBParam<double> param;
    param.m = 10;
    param.epsilon = 1e-5;
    param.epsilon_rel = 0.0;
    param.past = 1;
    param.delta = 1e7 * std::numeric_limits<double>::epsilon();
    param.max_iterations = options.lbfgs_max_iterations;
    param.max_linesearch = 20;
    LBFGSpp::LBFGSBSolver<double> solver(param);
    Eigen::VectorXd best_u = cands.row(order[k]).transpose();
    double best_value = values[order[k]];
    auto objective = [&](const Eigen::VectorXd& u, Eigen::VectorXd& grad) {
      const double a = acquisition_at(models, acq, u, &grad);
      grad = -grad;
      if (a > best_value && u.allFinite()) {
        best_value = a;
        best_u = u;
      }
      return -a;
    };
    Eigen::VectorXd u = best_u;
    double fu = 0.0;
    try {
      solver.minimize(objective, u, fu, Eigen::VectorXd::Zero(d), Eigen::VectorXd::Ones(d));
    } catch (const std::exception&) {
      failed[k] = 1;  // line-search trouble: keep the best point evaluated so far
    }
    refined[k] = best_u.cwiseMax(0.0).cwiseMin(1.0);
    refined_value[k] = acquisition_at(models, acq, refined[k], nullptr);
  });
  result.lbfgs_failures = std::accumulate(failed.begin(), failed.end(), 0);
  for (int k = 0; k < starts; ++k) {
    if (refined_value[k] >= result.value && !duplicates(refined[k], avoid)) {
      result.u = refined[k];
      result.value = refined_value[k];
      result.from_lbfgs = true;
    }
  }
  if (duplicates(result.u, avoid)) {
    // Every refined point and the best candidate repeat an earlier point: take the best candidate
    // that does not (the candidate list always has points off the data).
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return values[a] > values[b] || (values[a] == values[b] && a < b);
    });
    for (int i : order) {
      const Eigen::VectorXd u = cands.row(i).transpose();
      if (!duplicates(u, avoid)) {
        result.u = u;
        result.value = values[i];
        result.from_lbfgs = false;
        break;
      }
    }
  }
  return result;
}

Eigen::VectorXd choose_point(const std::vector<GpPosterior>& models, const Acquisition& acq,
                             const Eigen::MatrixXd& grid, const Eigen::MatrixXd& u_obs,
                             const Eigen::MatrixXd& u_pend, const SearchOptions& options, Rng& rng,
                             GpOptimizerStats& stats) {
  Eigen::MatrixXd extra(u_obs.rows() + u_pend.rows(), u_obs.cols());
  extra << u_obs, u_pend;
  const SearchResult r = maximize_acquisition(models, acq, grid, extra, extra, options, rng);
  stats.lbfgs_failures += r.lbfgs_failures;
  stats.refined_wins += r.from_lbfgs ? 1 : 0;
  return r.u;
}

}  // namespace rnnopt::baselines::internal
