#include "baselines/internal/model_data.h"

#include <cmath>

#include "baselines/internal/candidate_search.h"
#include "baselines/sobol_sequence.h"
#include "core/parallel_for.h"

namespace rnnopt::baselines::internal {

Eigen::MatrixXd unit_rows(const std::vector<Eigen::VectorXd>& points, const Box& box) {
  Eigen::MatrixXd u(points.size(), box.dim());
  for (std::size_t i = 0; i < points.size(); ++i) {
    u.row(i) = box.to_unit(points[i]).cwiseMax(0.0).cwiseMin(1.0).transpose();
  }
  return u;
}

Eigen::MatrixXd unit_rows(const std::vector<Observation>& history, const Box& box) {
  Eigen::MatrixXd u(history.size(), box.dim());
  for (std::size_t i = 0; i < history.size(); ++i) {
    u.row(i) = box.to_unit(history[i].x).cwiseMax(0.0).cwiseMin(1.0).transpose();
  }
  return u;
}

Eigen::VectorXd values(const std::vector<Observation>& history) {
  Eigen::VectorXd y(history.size());
  for (std::size_t i = 0; i < history.size(); ++i) y[i] = history[i].y;
  return y;
}

Standardizer Standardizer::fit(const Eigen::VectorXd& y) {
  Standardizer s;
  if (y.size() == 0) return s;
  s.mean = y.mean();
  const double var = (y.array() - s.mean).square().mean();
  s.sd = var > 0.0 ? std::sqrt(var) : 1.0;
  return s;
}

GpHypers fixed_hypers(const FixedGpOptions& options, const Box& box) {
  const int d = box.dim();
  GpHypers h = GpHypers::defaults(d);
  h.mean = options.mean;
  h.amp2 = options.amplitude2;
  h.noise = options.noise;
  h.warp = false;
  const Eigen::VectorXd width = box.upper - box.lower;
  for (int j = 0; j < d; ++j) {
    const double ls_box = options.length_scales.size() == 0   ? 0.2 * width[j]
                          : options.length_scales.size() == 1 ? options.length_scales[0]
                                                              : options.length_scales[j];
    h.ls[j] = ls_box / width[j];
  }
  return h;
}

GpPosterior fit_fixed_posterior(const FixedGpOptions& options, const Box& box,
                                const std::vector<Observation>& history, const Eigen::MatrixXd& u) {
  Eigen::VectorXd y = values(history);
  if (options.standardize_y) y = Standardizer::fit(y).apply(y);
  GpPosterior model(options.kernel, fixed_hypers(options, box), options.jitter);
  model.fit(u, y);
  return model;
}

std::vector<GpPosterior> with_fantasies(const std::vector<GpPosterior>& models,
                                        const Eigen::MatrixXd& pending, int threads) {
  std::vector<GpPosterior> out(models);
  if (pending.rows() == 0) return out;
  parallel_for(static_cast<int>(out.size()), threads, [&](int k) {
    // The posterior mean at each pending point given the observed data; conditioning on a mean
    // value leaves the other means unchanged, so adding them one by one is the joint fantasy.
    Eigen::VectorXd mean, var;
    models[k].predict(pending, mean, var);
    for (Eigen::Index i = 0; i < pending.rows(); ++i) {
      out[k].add(pending.row(i).transpose(), mean[i]);
    }
  });
  return out;
}

Eigen::VectorXd sobol_point(int d, int index) {
  SobolSequence seq(d);
  seq.discard(static_cast<std::uint64_t>(index));
  return seq.next();
}

}  // namespace rnnopt::baselines::internal
