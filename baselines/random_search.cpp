#include "baselines/random_search.h"

#include <utility>

namespace rnnopt::baselines {

RandomSearch::RandomSearch(Box box, std::uint64_t seed)
    : Optimizer(std::move(box), "RandomSearch::RandomSearch()"), rng_(seed) {}

Eigen::VectorXd RandomSearch::do_propose() {
  Eigen::VectorXd x(dim());
  for (int j = 0; j < dim(); ++j) x[j] = rng_.uniform(box().lower[j], box().upper[j]);
  return x;
}

}  // namespace rnnopt::baselines
