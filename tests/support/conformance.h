// Conformance test for every rnnopt::Optimizer: one function, run over each optimizer's factory.
//
// Checks: in-box proposals of the right dimension (on a non-unit box), the same seed gives the
// same trace, bad input rejected with a clear std::invalid_argument (wrong dimension, outside the
// box, non-finite x or y, batch size < 1) leaving the optimizer unchanged, batch proposals
// distinct and pending until observed (in any order), observations of points it did not propose
// (warm start), and best() = the lowest y (earliest on ties).
// Trials (check_trials): ids unique and increasing; pending trials that fail, arrive out of order,
// arrive twice or with an unknown id (a clear error naming the id, nothing changed), or never
// arrive (the optimizer goes on around them, and they can still be observed much later).
// Saved states (check_state_roundtrip): a random script of calls (ask, ask_batch, observe by id
// in any order, observe(x, y), fail, outside points) from a printed seed; at a random step the
// state is saved and restored into a fresh optimizer built with another seed; both then run the
// same calls and must propose exactly the same points with the same ids; malformed states are
// refused with a message naming restore_state() and leave the optimizer unchanged.
//
//   TEST_CASE("RandomSearch conforms", "[conformance]") {
//     rnnopt::test::check_conformance(
//         [](const rnnopt::Box& box, std::uint64_t seed) {
//           return std::make_unique<rnnopt::baselines::RandomSearch>(box, seed);
//         });
//   }
//
// The factory takes (Box, seed) and returns std::unique_ptr<rnnopt::Optimizer> (or a derived
// pointer); it must build the optimizer on exactly that box. ConformanceOptions bounds the cost
// for expensive optimizers.
#pragma once

#include <Eigen/Core>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "optimizer/optimizer.h"
#include "optimizer/random.h"
#include "tests/support/seed.h"

namespace rnnopt::test {

struct ConformanceOptions {
  int steps = 12;                             // sequential propose/observe steps per run
  int batch = 4;                              // size of the batch checked for distinct points
  int warm_start = 5;                         // outside observations fed before the first proposal
  bool check_different_seeds_differ = false;  // some optimizers start deterministically
  std::uint64_t seed = 1234;
  int state_calls = 14;  // length of the random call script of the save/restore check
};

namespace conformance_detail {

// A smooth test function on any box: a shifted quadratic plus a ripple, finite everywhere.
inline double test_function(const Eigen::VectorXd& x) {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double c = 0.3 * static_cast<double>(i) - 0.5;
    s += (x[i] - c) * (x[i] - c) + 0.1 * std::sin(3.0 * x[i]);
  }
  return s;
}

inline Box test_box() {
  Eigen::VectorXd lower(3), upper(3);
  lower << -2.0, 0.0, 5.0;
  upper << 3.0, 1e-3, 7.5;
  return Box{lower, upper};
}

template <class Factory>
std::vector<Eigen::VectorXd> run_trace(Factory& make, const Box& box, std::uint64_t seed,
                                       int steps) {
  auto opt = make(box, seed);
  std::vector<Eigen::VectorXd> trace;
  for (int t = 0; t < steps; ++t) {
    Eigen::VectorXd x = opt->propose();
    trace.push_back(x);
    opt->observe(x, test_function(x));
  }
  return trace;
}

// Calls f, requires a std::invalid_argument whose message contains every fragment.
template <class F>
void require_rejects(F&& f, const std::vector<std::string>& fragments) {
  bool thrown = false;
  try {
    f();
  } catch (const std::invalid_argument& e) {
    thrown = true;
    const std::string what = e.what();
    INFO("message: " << what);
    for (const auto& frag : fragments) CHECK(what.find(frag) != std::string::npos);
  }
  CHECK(thrown);
}

// Calls f, requires a std::invalid_argument naming the trial id (and every fragment).
template <class F>
void require_rejects_id(F&& f, TrialId id, std::vector<std::string> fragments) {
  fragments.push_back("trial " + std::to_string(id));
  require_rejects(std::forward<F>(f), fragments);
}

// Ids of the pending trials, oldest first.
inline std::vector<TrialId> pending_ids(const Optimizer& opt) {
  std::vector<TrialId> ids;
  for (const Trial& t : opt.pending_trials()) ids.push_back(t.id);
  return ids;
}

// The pending trials, their ids and their points, and the history must agree between a and b.
inline void require_same_state(const Optimizer& a, const Optimizer& b) {
  REQUIRE(pending_ids(a) == pending_ids(b));
  REQUIRE(a.pending() == b.pending());
  REQUIRE(a.history().size() == b.history().size());
  for (std::size_t i = 0; i < a.history().size(); ++i) {
    REQUIRE(a.history()[i].x == b.history()[i].x);
    REQUIRE(a.history()[i].y == b.history()[i].y);
  }
}

// One call of a random script, chosen by `rng` from what is possible in `opt`'s state; applied
// identically to every optimizer in `opts` (their proposals must agree exactly).
inline void random_call(Rng& rng, const std::vector<Optimizer*>& opts, const Box& box) {
  Optimizer& first = *opts.front();
  const auto pending = first.pending_trials();
  const double u = rng.uniform();
  if (pending.empty() || u < 0.3) {
    // Ask: one trial or a small batch.
    const int n = rng.bernoulli(0.3) ? 2 + static_cast<int>(rng.uniform_int(2)) : 1;
    std::vector<std::vector<Trial>> got;
    for (Optimizer* o : opts)
      got.push_back(n == 1 ? std::vector<Trial>{o->ask()} : o->ask_batch(n));
    for (std::size_t k = 1; k < got.size(); ++k) {
      REQUIRE(got[k].size() == got[0].size());
      for (std::size_t i = 0; i < got[0].size(); ++i) {
        INFO("trial " << got[0][i].id);
        REQUIRE(got[k][i].id == got[0][i].id);
        REQUIRE(got[k][i].x == got[0][i].x);
      }
    }
    for (const Trial& t : got[0]) REQUIRE(box.contains(t.x));
  } else if (u < 0.75) {
    // Observe a pending trial (any of them: out of order) by id.
    const Trial& t = pending[rng.uniform_int(pending.size())];
    const double y = test_function(t.x);
    for (Optimizer* o : opts) o->observe(t.id, y);
  } else if (u < 0.85) {
    // Fail a pending trial.
    const Trial& t = pending[rng.uniform_int(pending.size())];
    for (Optimizer* o : opts) o->fail(t.id);
  } else if (u < 0.93) {
    // The plain-vector protocol: observe(x, y) with a pending point.
    const Trial& t = pending[rng.uniform_int(pending.size())];
    const double y = test_function(t.x);
    for (Optimizer* o : opts) o->observe(t.x, y);
  } else {
    // A point it did not propose.
    Eigen::VectorXd v(box.dim());
    for (int j = 0; j < box.dim(); ++j) v[j] = rng.uniform();
    const Eigen::VectorXd x = box.from_unit(v);
    for (Optimizer* o : opts) o->observe(x, test_function(x));
  }
}

}  // namespace conformance_detail

// Trial ids: fail, out of order, twice, unknown, never.
template <class Factory>
void check_trials(Factory& make, const Box& box, std::uint64_t seed) {
  using namespace conformance_detail;
  auto opt = make(box, seed);
  INFO("optimizer " << opt->name() << ": trials");
  const double nan = std::numeric_limits<double>::quiet_NaN();

  // Unknown ids before anything was asked.
  require_rejects_id([&] { opt->observe(TrialId{1}, 1.0); }, 1, {"observe", "unknown"});
  require_rejects_id([&] { opt->fail(TrialId{0}); }, 0, {"fail", "unknown"});

  // Ids are 1, 2, 3, ... in the order handed out, also across ask(), ask_batch() and propose().
  const Trial first = opt->ask();
  CHECK(first.id == 1);
  CHECK(box.contains(first.x));
  const std::vector<Trial> batch = opt->ask_batch(3);
  REQUIRE(batch.size() == 3);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CHECK(batch[i].id == first.id + 1 + i);
    CHECK(box.contains(batch[i].x));
  }
  const Eigen::VectorXd plain = opt->propose();
  CHECK(pending_ids(*opt) == std::vector<TrialId>{1, 2, 3, 4, 5});
  CHECK(opt->pending().back() == plain);

  // A non-finite value is refused, pointing at fail(id); nothing changes.
  require_rejects_id([&] { opt->observe(batch[0].id, nan); }, batch[0].id,
                     {"y is not finite", "fail(" + std::to_string(batch[0].id) + ")"});
  require_rejects([&] { opt->observe(batch[0].x, nan); }, {"y is not finite", "fail(id)"});
  CHECK(opt->pending().size() == 5);
  CHECK(opt->history().empty());

  // Failed: no longer pending, nothing recorded; it can be neither observed nor failed again.
  opt->fail(batch[1].id);
  CHECK(pending_ids(*opt) == std::vector<TrialId>{1, 2, 4, 5});
  CHECK(opt->history().empty());
  require_rejects_id([&] { opt->observe(batch[1].id, 1.0); }, batch[1].id, {"observe", "fail"});
  require_rejects_id([&] { opt->fail(batch[1].id); }, batch[1].id, {"fail"});

  // Out of order: the last trial first, then an earlier one.
  opt->observe(batch[2].id, test_function(batch[2].x));
  opt->observe(batch[0].id, test_function(batch[0].x));
  CHECK(pending_ids(*opt) == std::vector<TrialId>{1, 5});
  REQUIRE(opt->history().size() == 2);
  CHECK(opt->history()[0].x == batch[2].x);
  CHECK(opt->history()[1].x == batch[0].x);
  CHECK(opt->best()->y == std::min(test_function(batch[0].x), test_function(batch[2].x)));

  // Twice: a clear error naming the id; the optimizer is unchanged.
  require_rejects_id([&] { opt->observe(batch[0].id, 0.0); }, batch[0].id,
                     {"observe", "already observed"});
  require_rejects_id([&] { opt->fail(batch[0].id); }, batch[0].id, {"fail", "already observed"});
  // Unknown: an id never handed out.
  require_rejects_id([&] { opt->observe(TrialId{1000}, 0.0); }, 1000, {"observe", "unknown"});
  CHECK(opt->history().size() == 2);
  CHECK(opt->pending().size() == 2);

  // The plain-vector call completes the pending trial with that point.
  opt->observe(plain, test_function(plain));
  CHECK(pending_ids(*opt) == std::vector<TrialId>{1});
  require_rejects_id([&] { opt->observe(TrialId{5}, 0.0); }, 5, {"already completed"});

  // Never arrives: trial 1 stays pending while the optimizer goes on (also failing some), and can
  // still be observed at the end.
  for (int t = 0; t < 4; ++t) {
    const Trial next = opt->ask();
    CHECK(box.contains(next.x));
    CHECK(next.id == 6 + static_cast<TrialId>(t));
    if (t == 2) {
      opt->fail(next.id);
    } else {
      opt->observe(next.id, test_function(next.x));
    }
    CHECK(pending_ids(*opt) == std::vector<TrialId>{1});
  }
  const std::vector<Trial> more = opt->ask_batch(2);
  for (const Trial& t : more) CHECK(box.contains(t.x));
  for (const Trial& t : more) opt->fail(t.id);
  CHECK(pending_ids(*opt) == std::vector<TrialId>{1});
  opt->observe(first.id, test_function(first.x));
  CHECK(opt->pending().empty());
  CHECK(opt->history().size() == 7);
  const Trial last = opt->ask();
  CHECK(last.id == 12);
  CHECK(box.contains(last.x));
}

// Save at a random step, restore into a fresh optimizer (another seed), identical continuation.
template <class Factory>
void check_state_roundtrip(Factory& make, const Box& box, std::uint64_t seed, int calls) {
  using namespace conformance_detail;
  Rng script(derive_seed(seed, 77));
  const int save_at = static_cast<int>(script.uniform_int(static_cast<std::uint64_t>(calls) + 1));
  auto a = make(box, seed);
  INFO("optimizer " << a->name() << ": state saved after call " << save_at << " of " << calls);
  for (int k = 0; k < save_at; ++k) random_call(script, {a.get()}, box);
  const std::string saved = a->save_state();

  // Malformed states are refused with a clear message, changing nothing.
  {
    auto c = make(box, seed + 5);
    require_rejects([&] { c->restore_state("garbage"); }, {"restore_state()"});
    require_rejects([&] { c->restore_state(saved.substr(0, saved.size() / 2)); },
                    {"restore_state()"});
    require_rejects([&] { c->restore_state(saved + " extra"); }, {"restore_state()"});
    CHECK(c->history().empty());
    CHECK(c->pending().empty());
    CHECK(c->save_state() == make(box, seed + 5)->save_state());
  }

  auto b = make(box, seed + 1000);
  b->restore_state(saved);
  CHECK(b->save_state() == saved);
  require_same_state(*a, *b);
  // The restored optimizer accepts the ids of the trials pending at save time (random_call picks
  // among them), and continues exactly as the original.
  for (int k = save_at; k < calls + 4; ++k) {
    random_call(script, {a.get(), b.get()}, box);
    require_same_state(*a, *b);
  }
  const Trial ta = a->ask();
  const Trial tb = b->ask();
  CHECK(ta.id == tb.id);
  CHECK(ta.x == tb.x);
  REQUIRE(a->best().has_value() == b->best().has_value());
  if (a->best()) CHECK(a->best()->y == b->best()->y);
}

template <class Factory>
void check_conformance(Factory make, const ConformanceOptions& options = {}) {
  using namespace conformance_detail;
  const Box box = test_box();
  const std::uint64_t seed = rnnopt::test::seed("conformance", options.seed);

  // An invalid box is rejected at construction.
  {
    Box inverted = box;
    inverted.lower[1] = 2.0;
    require_rejects([&] { make(inverted, seed); }, {"inverted"});
    Box empty{Eigen::VectorXd(0), Eigen::VectorXd(0)};
    require_rejects([&] { make(empty, seed); }, {"empty"});
  }

  auto opt = make(box, seed);
  const std::string name = opt->name();
  INFO("optimizer " << name);
  CHECK(!name.empty());
  CHECK(opt->dim() == 3);
  CHECK_FALSE(opt->best().has_value());
  CHECK(opt->history().empty());

  // In-box proposals of the right dimension; best() tracks the minimum.
  double best_y = std::numeric_limits<double>::infinity();
  for (int t = 0; t < options.steps; ++t) {
    Eigen::VectorXd x = opt->propose();
    REQUIRE(x.size() == 3);
    REQUIRE(box.contains(x));
    CHECK(opt->pending().size() == 1);
    const double y = test_function(x);
    opt->observe(x, y);
    CHECK(opt->pending().empty());
    best_y = std::min(best_y, y);
    REQUIRE(opt->best().has_value());
    CHECK(opt->best()->y == best_y);
    CHECK(box.contains(opt->best()->x));
  }
  CHECK(opt->history().size() == static_cast<std::size_t>(options.steps));

  // Bad input is rejected with a clear message and leaves the optimizer unchanged.
  {
    const auto history_before = opt->history().size();
    const Eigen::VectorXd inside = box.from_unit(Eigen::VectorXd::Constant(3, 0.5));
    require_rejects([&] { opt->observe(Eigen::VectorXd::Zero(2), 1.0); },
                    {"observe", "2 dims", "expected 3"});
    require_rejects([&] { opt->observe(Eigen::VectorXd::Zero(4), 1.0); }, {"observe", "4 dims"});
    Eigen::VectorXd outside = inside;
    outside[2] = 8.0;
    require_rejects([&] { opt->observe(outside, 1.0); }, {"observe", "outside the box"});
    Eigen::VectorXd nan_x = inside;
    nan_x[0] = std::numeric_limits<double>::quiet_NaN();
    require_rejects([&] { opt->observe(nan_x, 1.0); }, {"observe", "not finite"});
    require_rejects([&] { opt->observe(inside, std::numeric_limits<double>::quiet_NaN()); },
                    {"observe", "y is not finite"});
    require_rejects([&] { opt->observe(inside, std::numeric_limits<double>::infinity()); },
                    {"observe", "y is not finite"});
    require_rejects([&] { opt->propose_batch(0); }, {"propose_batch", "at least 1"});
    CHECK(opt->history().size() == history_before);
    CHECK(opt->best()->y == best_y);
    // Still usable after the rejections.
    Eigen::VectorXd x = opt->propose();
    CHECK(box.contains(x));
    opt->observe(x, test_function(x));
    best_y = std::min(best_y, test_function(x));
  }

  // Batch proposals: in the box, pairwise distinct, pending until observed in any order.
  {
    const auto xs = opt->propose_batch(options.batch);
    REQUIRE(static_cast<int>(xs.size()) == options.batch);
    CHECK(static_cast<int>(opt->pending().size()) == options.batch);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CHECK(xs[i].size() == 3);
      CHECK(box.contains(xs[i]));
      for (std::size_t j = 0; j < i; ++j) CHECK((xs[i] - xs[j]).norm() > 0.0);
    }
    // One more proposal while the batch is pending differs from all pending points.
    Eigen::VectorXd extra = opt->propose();
    CHECK(box.contains(extra));
    for (const auto& x : xs) CHECK((extra - x).norm() > 0.0);
    for (auto it = xs.rbegin(); it != xs.rend(); ++it) {
      opt->observe(*it, test_function(*it));
      best_y = std::min(best_y, test_function(*it));
    }
    opt->observe(extra, test_function(extra));
    best_y = std::min(best_y, test_function(extra));
    CHECK(opt->pending().empty());
    CHECK(opt->best()->y == best_y);
  }

  // Warm start: observations of points it did not propose, then proposals as usual.
  {
    auto warm = make(box, seed + 1);
    Eigen::VectorXd lowest;
    double lowest_y = std::numeric_limits<double>::infinity();
    for (int i = 0; i < options.warm_start; ++i) {
      Eigen::VectorXd u(3);
      u << (i + 0.5) / options.warm_start, std::fmod(0.37 * (i + 1), 1.0), (i % 2) ? 0.2 : 0.8;
      const Eigen::VectorXd x = box.from_unit(u);
      const double y = test_function(x);
      warm->observe(x, y);
      if (y < lowest_y) {
        lowest_y = y;
        lowest = x;
      }
    }
    CHECK(warm->pending().empty());
    CHECK(static_cast<int>(warm->history().size()) == options.warm_start);
    CHECK(warm->best()->y == lowest_y);
    CHECK(warm->best()->x == lowest);
    // Ties keep the earliest observation.
    warm->observe(box.from_unit(Eigen::VectorXd::Constant(3, 0.9)), lowest_y);
    CHECK(warm->best()->x == lowest);
    for (int t = 0; t < 3; ++t) {
      Eigen::VectorXd x = warm->propose();
      REQUIRE(x.size() == 3);
      CHECK(box.contains(x));
      warm->observe(x, test_function(x));
    }
  }

  // Same seed, same trace (exactly); optionally, different seeds differ.
  {
    const int steps = std::min(options.steps, 8);
    const auto a = run_trace(make, box, seed, steps);
    const auto b = run_trace(make, box, seed, steps);
    REQUIRE(a.size() == b.size());
    for (std::size_t t = 0; t < a.size(); ++t) CHECK(a[t] == b[t]);
    if (options.check_different_seeds_differ) {
      const auto c = run_trace(make, box, seed + 17, steps);
      bool differ = false;
      for (std::size_t t = 0; t < a.size(); ++t) differ = differ || a[t] != c[t];
      CHECK(differ);
    }
  }

  check_trials(make, box, seed);
  check_state_roundtrip(make, box, rnnopt::test::seed("conformance state", seed + 1),
                        options.state_calls);
}

}  // namespace rnnopt::test
