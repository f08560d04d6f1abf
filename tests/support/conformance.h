// Conformance test for every rnnopt::Optimizer: one function, run over each optimizer's factory.
//
// Checks: in-box proposals of the right dimension (on a non-unit box), the same seed gives the
// same trace, bad input rejected with a clear std::invalid_argument (wrong dimension, outside the
// box, non-finite x or y, batch size < 1) leaving the optimizer unchanged, batch proposals
// distinct and pending until observed (in any order), observations of points it did not propose
// (warm start), and best() = the lowest y (earliest on ties).
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
#include "tests/support/seed.h"

namespace rnnopt::test {

struct ConformanceOptions {
  int steps = 12;                             // sequential propose/observe steps per run
  int batch = 4;                              // size of the batch checked for distinct points
  int warm_start = 5;                         // outside observations fed before the first proposal
  bool check_different_seeds_differ = false;  // some optimizers start deterministically
  std::uint64_t seed = 1234;
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

}  // namespace conformance_detail

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
}

}  // namespace rnnopt::test
