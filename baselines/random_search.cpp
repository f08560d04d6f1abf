#include "baselines/random_search.h"

#include <utility>

#include "optimizer/state_io.h"

namespace rnnopt::baselines {

RandomSearch::RandomSearch(Box box, std::uint64_t seed)
    : Optimizer(std::move(box), "RandomSearch::RandomSearch()"), rng_(seed) {}

Eigen::VectorXd RandomSearch::do_propose() {
  Eigen::VectorXd x(dim());
  for (int j = 0; j < dim(); ++j) x[j] = rng_.uniform(box().lower[j], box().upper[j]);
  return x;
}

void RandomSearch::do_save_state(StateWriter& w) const {
  w.tag("random-search");
  w.text(rng_.state());
}

std::function<void()> RandomSearch::do_restore_state(StateReader& r) {
  r.expect("random-search");
  const Rng rng = read_rng(r);
  return [this, rng] { rng_ = rng; };
}

}  // namespace rnnopt::baselines
