#include "optimizer/rnn_optimizer.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "optimizer/internal/acq_network.h"
#include "optimizer/internal/network.h"
#include "optimizer/internal/session.h"
#include "optimizer/state_io.h"

namespace rnnopt {
namespace {

constexpr const char* kStateMagic = "rnnopt-rnn-optimizer-state";
// 2: the session's best_x; 3: history and pending trials (with ids) moved to the common part
// written by Optimizer::save_state().
constexpr int kStateVersion = 3;

// The two directions of the saved state's one field list (the visit_state() templates below):
// StateSave writes each field; StateLoad reads it into a fresh state, with the checks a reader
// needs, and throws std::invalid_argument (StateReader) on bad input. kLoading tells a visitor
// which direction runs, for the few fields set through an accessor.
class StateSave {
 public:
  static constexpr bool kLoading = false;
  explicit StateSave(StateWriter& w) : w_(w) {}

  void tag(const char* t) { w_.tag(t); }
  // A value the reader must find as written; `mismatch` is the reader's complaint otherwise.
  void constant(long long v, const char* /*mismatch*/) { w_.integer(v); }
  // A count, then the values, each of which the reader must find as written.
  void constants(const std::vector<long long>& vs, const char* /*mismatch*/) {
    w_.integer(static_cast<long long>(vs.size()));
    for (long long v : vs) w_.integer(v);
  }
  // A non-negative integer, at most `limit` on reading.
  template <class T>
  void count(const T& v, long long /*limit*/) {
    w_.integer(v);
  }
  void flag(const bool& v) { w_.integer(v ? 1 : 0); }
  void real(const double& v) { w_.real(v); }
  // A vector or matrix whose size the reader already knows (it must match).
  template <class Derived>
  void reals(const Eigen::DenseBase<Derived>& m) {
    w_.reals(m);
  }
  void rng(const Rng& g) { w_.text(g.state()); }
  // A queue of points of d coordinates, at most `limit` of them.
  void points(const std::deque<Eigen::VectorXd>& q, long long /*limit*/, int /*d*/) {
    w_.integer(static_cast<long long>(q.size()));
    for (const Eigen::VectorXd& x : q) w_.reals(x);
  }

 private:
  StateWriter& w_;
};

class StateLoad {
 public:
  static constexpr bool kLoading = true;
  explicit StateLoad(StateReader& r) : r_(r) {}

  void tag(const char* t) { r_.expect(t); }
  void constant(long long v, const char* mismatch) {
    if (r_.integer() != v) r_.fail(mismatch);
  }
  void constants(const std::vector<long long>& vs, const char* mismatch) {
    if (r_.integer() != static_cast<long long>(vs.size())) r_.fail(mismatch);
    for (long long v : vs) {
      if (r_.integer() != v) r_.fail(mismatch);
    }
  }
  template <class T>
  void count(T& v, long long limit) {
    v = static_cast<T>(r_.count(limit));
  }
  void flag(bool& v) { v = r_.integer() != 0; }
  void real(double& v) { v = r_.real(); }
  template <class M>
  void reals(M& m) {
    r_.reals(m.data(), m.size());
  }
  void rng(Rng& g) { g = read_rng(r_); }
  void points(std::deque<Eigen::VectorXd>& q, long long limit, int d) {
    const std::size_t n = r_.count(limit);
    for (std::size_t i = 0; i < n; ++i) q.push_back(r_.vector(d));
  }
  [[noreturn]] void fail(const std::string& what) const { r_.fail(what); }

 private:
  StateReader& r_;
};

// The recurrent state of an LSTM (or a DNC's controller), layer by layer.
template <class Io, class Lstm>
void visit_lstm_state(Io& io, Lstm& ls) {
  for (std::size_t l = 0; l < ls.concat.size(); ++l) {
    io.reals(ls.concat[l]);
    io.reals(ls.c[l]);
  }
}

// The constant liar's value for pending points (RnnOptimizerOptions::pending_lie): the best or the
// mean of the observed values, 0 before any observation.
double pending_lie_value(const Optimizer& self, PendingLie kind) {
  const auto& h = self.history();
  if (h.empty()) return 0.0;
  if (kind == PendingLie::kBest) return self.best()->y;
  // The mean in two passes, the second on the offsets from the first estimate, so that finite
  // values of any size neither overflow nor lose their spread.
  const double n = static_cast<double>(h.size());
  double m = 0.0;
  for (const auto& o : h) m += o.y / n;
  double c = 0.0;
  for (const auto& o : h) c += (o.y - m) / n;
  return m + c;
}

}  // namespace

void RnnOptimizerOptions::validate() const {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("RnnOptimizerOptions::validate(): " + what);
  };
  if (horizon < 0)
    fail("horizon must be >= 0 (0: the model's horizon), got " + std::to_string(horizon));
  if (!(restart_shrink > 0.0 && restart_shrink < 1.0)) {
    fail("restart_shrink must be in (0, 1), got " + std::to_string(restart_shrink));
  }
  if (!(restart_min_width > 0.0 && restart_min_width <= 1.0)) {
    fail("restart_min_width must be in (0, 1], got " + std::to_string(restart_min_width));
  }
  if (segment_steps < 0) {
    fail("segment_steps must be >= 0 (0: the model's horizon), got " +
         std::to_string(segment_steps));
  }
}

// The evolving state of one run; see the class comment in rnn_optimizer.h for the protocol.
struct RnnOptimizer::State {
  State(const Model& model, const Box& box, const RnnOptimizerOptions& options, std::uint64_t seed)
      : model(&model),
        options(options),
        user_box(box),
        zoom(box),
        session(model.network(), model.manifest(), box.dim()),
        rng(seed),
        workers(model.manifest().parallel_workers),
        canonical(box.dim()) {}

  const Model* model;
  RnnOptimizerOptions options;
  Box user_box;
  Box zoom;  // the current segment's box (user_box until a restart)
  internal::Session session;
  Rng rng;
  int workers;
  bool fresh = false;                 // sequential: the latest query was not proposed yet
  std::deque<Eigen::VectorXd> ready;  // parallel: queries waiting to be proposed
  int fallbacks = 0;
  int restarts = 0;
  std::vector<double> canonical;  // scratch, d values

  int dim() const { return user_box.dim(); }

  // The latest query of `s` in user coordinates; a random point of the zoom box if not finite.
  // Written out per coordinate (the same arithmetic as Box::from_canonical and Box::clamp) to keep
  // the hot path to one allocation, the returned vector.
  Eigen::VectorXd to_user(const internal::Session& s) {
    if (!s.query(canonical.data())) {
      ++fallbacks;
      for (double& c : canonical) c = rng.uniform(-1.0, 1.0);
    }
    Eigen::VectorXd x(dim());
    for (int i = 0; i < dim(); ++i) {
      const double v =
          zoom.lower[i] + (0.5 * (canonical[i] + 1.0)) * (zoom.upper[i] - zoom.lower[i]);
      x[i] = std::min(std::max(v, user_box.lower[i]), user_box.upper[i]);
    }
    return x;
  }

  // x in the zoom box's canonical coordinates (into `canonical`); false if outside the zoom box.
  bool to_canonical(const Eigen::VectorXd& x) {
    for (int i = 0; i < dim(); ++i) {
      const double c = 2.0 * ((x[i] - zoom.lower[i]) / (zoom.upper[i] - zoom.lower[i])) - 1.0;
      if (!(std::abs(c) <= 1.0 + 1e-9)) return false;
      canonical[i] = std::clamp(c, -1.0, 1.0);
    }
    return true;
  }

  void push_ready(Eigen::VectorXd x) {
    ready.push_back(std::move(x));
    if (static_cast<int>(ready.size()) > workers) ready.pop_front();
  }

  // The first step (and, for parallel models, the N - 1 further dummies) of a segment.
  void ensure_started() {
    if (session.steps() > 0) return;
    session.start();
    if (workers == 1) {
      fresh = true;
      return;
    }
    push_ready(to_user(session));
    for (int i = 1; i < workers; ++i) {
      session.feed_dummy();
      push_ready(to_user(session));
    }
  }

  // Feeds a real observation; false (and nothing fed) if x lies outside the zoom box.
  bool feed(const Eigen::VectorXd& x, double y) {
    if (!to_canonical(x)) return false;
    session.feed_observation(canonical.data(), y);
    if (workers == 1) {
      fresh = true;
    } else {
      push_ready(to_user(session));
    }
    return true;
  }

  bool exhausted() const {
    return options.past_horizon == PastHorizonPolicy::kRestart &&
           session.steps() >= segment_steps();
  }

  // Network steps per segment under kRestart; at least the parallel model's N dummies plus one.
  int segment_steps() const {
    const int steps = options.segment_steps > 0 ? options.segment_steps : model->manifest().horizon;
    return std::max(steps, workers + 1);
  }

  // A new segment around the incumbent (PastHorizonPolicy::kRestart).
  void restart(const Optimizer& self) {
    ++restarts;
    const double width =
        std::max(std::pow(options.restart_shrink, restarts), options.restart_min_width);
    const auto best = self.best();
    const Eigen::VectorXd center =
        best ? best->x : Eigen::VectorXd(0.5 * (user_box.lower + user_box.upper));
    const Eigen::VectorXd half = 0.5 * width * (user_box.upper - user_box.lower);
    Eigen::VectorXd lo = center - half;
    Eigen::VectorXd hi = center + half;
    for (int i = 0; i < dim(); ++i) {
      // Shift the zoom box inside the user box; its width never exceeds the user box's.
      if (lo[i] < user_box.lower[i]) {
        hi[i] += user_box.lower[i] - lo[i];
        lo[i] = user_box.lower[i];
      }
      if (hi[i] > user_box.upper[i]) {
        lo[i] = std::max(user_box.lower[i], lo[i] - (hi[i] - user_box.upper[i]));
        hi[i] = user_box.upper[i];
      }
    }
    zoom = Box{lo, hi};
    session = internal::Session(model->network(), model->manifest(), dim());
    ready.clear();
    fresh = false;
    ensure_started();
    if (best) feed(best->x, best->y);
  }

  std::vector<Eigen::VectorXd> propose_sequential(const Optimizer& self, int n,
                                                 PendingLie lie_kind) {
    ensure_started();
    const bool only_fresh = fresh && self.pending().empty();
    if (exhausted() && !(only_fresh && n == 1)) restart(self);
    std::vector<Eigen::VectorXd> xs;
    if (fresh && self.pending().empty()) {
      xs.push_back(to_user(session));
      fresh = false;
      if (n == 1) return xs;
    }
    // Constant liar on a copy of the state: every pending point (and the points of this batch)
    // is fed with the lie, so that the copy moves on as if they had been evaluated.
    const double lie = pending_lie_value(self, lie_kind);
    internal::Session fork = session;
    for (const Eigen::VectorXd& p : self.pending()) {
      if (to_canonical(p)) fork.feed_observation(canonical.data(), lie);
    }
    for (const Eigen::VectorXd& p : xs) {
      if (to_canonical(p)) fork.feed_observation(canonical.data(), lie);
    }
    while (static_cast<int>(xs.size()) < n) {
      xs.push_back(to_user(fork));
      if (static_cast<int>(xs.size()) < n && to_canonical(xs.back())) {
        fork.feed_observation(canonical.data(), lie);
      }
    }
    return xs;
  }

  std::vector<Eigen::VectorXd> propose_parallel(const Optimizer& self, int n) {
    ensure_started();
    std::vector<Eigen::VectorXd> xs;
    for (int i = 0; i < n; ++i) {
      if (ready.empty()) {
        if (exhausted()) {
          restart(self);
        } else {
          // More points in flight than the model was trained for: one more dummy step, as if one
          // more worker had started (Chen et al. 2017, arXiv:1611.03824, section 2.3: the number
          // of workers may vary).
          session.feed_dummy();
          push_ready(to_user(session));
        }
      }
      xs.push_back(std::move(ready.front()));
      ready.pop_front();
    }
    return xs;
  }

  // Every saved field of a direct model's run, once, in the order of the saved text; Self is
  // const State when saving (Io = StateSave) and a fresh State when loading (Io = StateLoad).
  template <class Io, class Self>
  static void visit_state(Io& io, Self& s) {
    io.tag("rng");
    io.rng(s.rng);
    io.tag("counters");
    io.count(s.fallbacks, 1'000'000'000);
    io.count(s.restarts, 1'000'000'000);
    io.flag(s.fresh);
    io.tag("zoom");
    io.reals(s.zoom.lower);
    io.reals(s.zoom.upper);
    if constexpr (Io::kLoading) {
      try {
        s.zoom.validate("zoom box");
      } catch (const std::invalid_argument& e) {
        io.fail(std::string("malformed saved state: ") + e.what());
      }
    }
    io.tag("session");
    int steps = s.session.steps();
    io.count(steps, 1'000'000'000);
    internal::YNormaliser::Stats stats = s.session.normaliser().stats();
    io.count(stats.count, 1'000'000'000);
    io.real(stats.mean);
    io.real(stats.m2);
    io.real(stats.min);
    if constexpr (Io::kLoading) {
      s.session.set_steps(steps);
      s.session.normaliser().set_stats(stats);
    }
    io.reals(s.session.best_x());
    auto& ns = s.session.state();
    visit_lstm_state(io, ns.lstm);
    if (ns.dnc) {
      auto& m = *ns.dnc;
      io.reals(m.memory);
      io.reals(m.usage);
      io.reals(m.precedence);
      io.reals(m.link);
      io.reals(m.read_weights);
      io.reals(m.write_weights);
      io.reals(m.read_vectors);
    }
    io.reals(ns.output);
    io.tag("ready");
    io.points(s.ready, 1'000'000, s.dim());
  }
};

// The evolving state of a run of an acquisition-head model (see the class comment).
struct RnnOptimizer::AcqState {
  AcqState(const Model& model, const Box& box, std::uint64_t seed)
      : user_box(box), run(*model.acq_network()), rng(seed), canonical(box.dim()) {}

  Box user_box;
  internal::AcqRun run;
  Rng rng;
  int fallbacks = 0;
  std::vector<double> canonical;  // scratch, d values

  int dim() const { return user_box.dim(); }

  // x (inside the user box) in canonical coordinates, into `canonical`.
  const double* to_canonical(const Eigen::VectorXd& x) {
    for (int i = 0; i < dim(); ++i) {
      const double c =
          2.0 * ((x[i] - user_box.lower[i]) / (user_box.upper[i] - user_box.lower[i])) - 1.0;
      canonical[i] = std::clamp(c, -1.0, 1.0);
    }
    return canonical.data();
  }

  Eigen::VectorXd next(internal::AcqRun& r) {
    if (!r.propose(rng, canonical.data())) ++fallbacks;
    Eigen::VectorXd x(dim());
    for (int i = 0; i < dim(); ++i) {
      const double v = user_box.lower[i] +
                       (0.5 * (canonical[i] + 1.0)) * (user_box.upper[i] - user_box.lower[i]);
      x[i] = std::min(std::max(v, user_box.lower[i]), user_box.upper[i]);
    }
    return x;
  }

  std::vector<Eigen::VectorXd> propose(const Optimizer& self, int n, PendingLie lie_kind) {
    std::vector<Eigen::VectorXd> xs;
    if (self.pending().empty() && n == 1) {
      xs.push_back(next(run));
      return xs;
    }
    // Constant liar on a copy: pending points and this batch's earlier points are fed with the
    // lie (options.pending_lie).
    const double lie = pending_lie_value(self, lie_kind);
    internal::AcqRun fork = run;
    for (const Eigen::VectorXd& p : self.pending()) fork.observe(to_canonical(p), lie);
    while (static_cast<int>(xs.size()) < n) {
      xs.push_back(next(fork));
      if (static_cast<int>(xs.size()) < n) fork.observe(to_canonical(xs.back()), lie);
    }
    return xs;
  }

  // Every saved field of an acquisition-head run, once (as State::visit_state). The history is
  // not among them: it is in the common part and re-fed into the features on restore.
  template <class Io, class Self>
  static void visit_state(Io& io, Self& a) {
    io.tag("rng");
    io.rng(a.rng);
    io.tag("acq");
    io.count(a.fallbacks, 1'000'000'000);
    visit_lstm_state(io, a.run.lstm_state());
  }
};

RnnOptimizer::RnnOptimizer(std::shared_ptr<const Model> model, Box box, RnnOptimizerOptions options,
                           std::uint64_t seed)
    : Optimizer(std::move(box), "RnnOptimizer::RnnOptimizer()"),
      model_(std::move(model)),
      options_(options) {
  const std::string where = "RnnOptimizer::RnnOptimizer(): ";
  if (!model_) throw std::invalid_argument(where + "the model is null");
  if (!model_->supports_dim(dim())) {
    std::string dims;
    for (int d : model_->manifest().dims) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    throw std::invalid_argument(where + "the box has " + std::to_string(dim()) +
                                " dims but the model " + model_->manifest().name +
                                " supports d in {" + dims + "}");
  }
  try {
    options_.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + e.what());
  }
  if (model_->is_acquisition()) {
    acq_ = std::make_unique<AcqState>(*model_, this->box(), seed);
  } else {
    state_ = std::make_unique<State>(*model_, this->box(), options_, seed);
  }
}

RnnOptimizer::~RnnOptimizer() = default;

int RnnOptimizer::fallback_count() const { return acq_ ? acq_->fallbacks : state_->fallbacks; }
int RnnOptimizer::restart_count() const { return acq_ ? 0 : state_->restarts; }
int RnnOptimizer::network_steps() const {
  return acq_ ? acq_->run.observations() : state_->session.steps();
}
Box RnnOptimizer::zoom_box() const { return acq_ ? box() : state_->zoom; }

Eigen::VectorXd RnnOptimizer::do_propose() {
  if (acq_) return std::move(acq_->propose(*this, 1, options_.pending_lie).front());
  State& s = *state_;
  // The common sequential case without a vector of one: the latest query, not yet proposed.
  if (s.workers == 1 && s.session.steps() > 0 && s.fresh && pending().empty()) {
    s.fresh = false;
    return s.to_user(s.session);
  }
  return std::move(do_propose_batch(1).front());
}

std::vector<Eigen::VectorXd> RnnOptimizer::do_propose_batch(int n) {
  if (acq_) return acq_->propose(*this, n, options_.pending_lie);
  return state_->workers == 1 ? state_->propose_sequential(*this, n, options_.pending_lie)
                              : state_->propose_parallel(*this, n);
}

void RnnOptimizer::do_observe(const Observation& obs) {
  if (acq_) {
    acq_->run.observe(acq_->to_canonical(obs.x), obs.y);
    return;
  }
  State& s = *state_;
  s.ensure_started();
  if (s.exhausted()) return;  // recorded by the base class; the next proposal restarts
  s.feed(obs.x, obs.y);
}

std::string RnnOptimizer::do_name() const { return model_->display_name(); }

namespace {

// The model's shape, written into saved states so that a state is not restored into another model.
std::vector<long long> model_signature(const Model& model, int d) {
  const Manifest& m = model.manifest();
  std::vector<long long> sig{m.architecture == "dnc" ? 1 : 0,
                             m.hidden_size,
                             m.num_layers,
                             m.d_max,
                             m.feature_width(),
                             m.parallel_workers,
                             m.horizon,
                             d};
  if (m.dnc) {
    sig.push_back(m.dnc->memory_slots);
    sig.push_back(m.dnc->word_size);
    sig.push_back(m.dnc->read_heads);
  }
  if (m.acquisition) {
    sig.push_back(2);
    sig.push_back(m.acquisition->head_width);
    sig.push_back(m.acquisition_feature_width());
  }
  return sig;
}

// The header of every saved state: format, version and the model's shape.
template <class Io>
void visit_state_header(Io& io, const Model& model, int d) {
  io.tag(kStateMagic);
  io.constant(kStateVersion, "unsupported state version");
  io.tag("model");
  io.constants(model_signature(model, d), "the state was saved with another model or dimension");
}

}  // namespace

void RnnOptimizer::do_save_state(StateWriter& w) const {
  // History and pending trials are in the common part (Optimizer::save_state()).
  StateSave io(w);
  visit_state_header(io, *model_, dim());
  if (acq_) {
    AcqState::visit_state(io, std::as_const(*acq_));
  } else {
    State::visit_state(io, std::as_const(*state_));
  }
}

std::function<void()> RnnOptimizer::do_restore_state(StateReader& r) {
  StateLoad io(r);
  visit_state_header(io, *model_, dim());
  if (acq_) {
    auto a = std::make_shared<AcqState>(*model_, box(), 0);
    AcqState::visit_state(io, *a);
    // The features are rebuilt from the restored history (checked in the box by the base class).
    return [this, a] {
      for (const Observation& o : history()) a->run.replay(a->to_canonical(o.x), o.y);
      *acq_ = std::move(*a);
    };
  }
  auto s = std::make_shared<State>(*model_, box(), options_, 0);
  State::visit_state(io, *s);
  return [this, s] { *state_ = std::move(*s); };
}

}  // namespace rnnopt
