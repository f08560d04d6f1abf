#include "baselines/dlib_lipo.h"

#include <dlib/global_optimization/global_function_search.h>

#include <ctime>
#include <list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "optimizer/state_io.h"

namespace rnnopt::baselines {

struct DlibLipo::State {
  // Created at the first proposal, with the observations so far as initial evaluations.
  std::unique_ptr<dlib::global_function_search> search;
  // Observations before the search exists, x in unit coordinates.
  std::vector<dlib::function_evaluation> initial;
  // Outstanding requests and the box point each was proposed as.
  std::list<std::pair<Eigen::VectorXd, dlib::function_evaluation_request>> outstanding;
};

namespace {

dlib::matrix<double, 0, 1> to_dlib(const Eigen::VectorXd& v) {
  dlib::matrix<double, 0, 1> m(v.size());
  for (Eigen::Index i = 0; i < v.size(); ++i) m(i) = v[i];
  return m;
}

Eigen::VectorXd from_dlib(const dlib::matrix<double, 0, 1>& m) {
  Eigen::VectorXd v(m.size());
  for (long i = 0; i < m.size(); ++i) v[i] = m(i);
  return v;
}

}  // namespace

void DlibLipoOptions::validate() const {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("DlibLipoOptions::validate(): " + what);
  };
  if (!(pure_random_probability >= 0.0 && pure_random_probability <= 1.0)) {
    bad("pure_random_probability must be in [0, 1]");
  }
  if (!(relative_noise_magnitude >= 0.0)) bad("relative_noise_magnitude must be >= 0");
  if (!(solver_epsilon >= 0.0)) bad("solver_epsilon must be >= 0");
  if (monte_carlo_samples < 1) bad("monte_carlo_samples must be at least 1");
}

DlibLipo::DlibLipo(Box box, const DlibLipoOptions& options, std::uint64_t seed)
    : Optimizer(std::move(box), "DlibLipo::DlibLipo()"),
      options_(options),
      seed_(seed),
      state_(std::make_unique<State>()) {
  options_.validate();
  enable_replay();
}

DlibLipo::~DlibLipo() = default;

Eigen::VectorXd DlibLipo::do_propose() {
  State& s = *state_;
  if (!s.search) {
    const dlib::function_spec spec(to_dlib(Eigen::VectorXd::Zero(dim())),
                                   to_dlib(Eigen::VectorXd::Ones(dim())));
    s.search = std::make_unique<dlib::global_function_search>(
        std::vector<dlib::function_spec>{spec},
        std::vector<std::vector<dlib::function_evaluation>>{s.initial},
        options_.relative_noise_magnitude);
    s.search->set_seed(static_cast<time_t>(seed_ >> 1));
    s.search->set_pure_random_search_probability(options_.pure_random_probability);
    s.search->set_solver_epsilon(options_.solver_epsilon);
    s.search->set_monte_carlo_upper_bound_sample_num(
        static_cast<std::size_t>(options_.monte_carlo_samples));
    s.initial.clear();
  }
  dlib::function_evaluation_request req = s.search->get_next_x();
  Eigen::VectorXd x = box().clamp(box().from_unit(from_dlib(req.x())));
  s.outstanding.emplace_back(x, std::move(req));
  return x;
}

void DlibLipo::do_observe(const Observation& obs) {
  State& s = *state_;
  if (!s.search) {
    s.initial.emplace_back(to_dlib(box().to_unit(obs.x)), -obs.y);
    return;
  }
  for (auto it = s.outstanding.begin(); it != s.outstanding.end(); ++it) {
    if (it->first == obs.x) {
      it->second.set(-obs.y);  // dlib maximises
      s.outstanding.erase(it);
      return;
    }
  }
}

void DlibLipo::do_fail(const Trial& trial) {
  State& s = *state_;
  for (auto it = s.outstanding.begin(); it != s.outstanding.end(); ++it) {
    if (it->first == trial.x) {
      // An unevaluated request that is destroyed is, for dlib, as if it was never issued.
      s.outstanding.erase(it);
      return;
    }
  }
}

void DlibLipo::do_save_state(StateWriter& w) const {
  // The calls themselves are in the common part (enable_replay()).
  w.tag("dlib-lipo");
  w.unsigned_integer(seed_);
}

std::function<void()> DlibLipo::do_restore_state(StateReader& r) {
  r.expect("dlib-lipo");
  const std::uint64_t seed = r.unsigned_integer();
  return [this, seed] {
    seed_ = seed;
    state_ = std::make_unique<State>();
  };
}

}  // namespace rnnopt::baselines
