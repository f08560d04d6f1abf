// The classic benchmarks: values at the known minimisers, that nothing lower exists in the box,
// names and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "functions/benchmarks.h"
#include "functions/internal/box_search.h"

namespace fn = rnnopt::functions;
using Eigen::VectorXd;

namespace {

const char* const kAllNames[] = {"branin",     "goldstein-price", "hartmann3",      "hartmann6",
                                 "rosenbrock", "ackley",          "rosenbrock:d=5", "ackley:d=7"};

// The lowest value a global search of the box finds (2^14 Sobol points, then L-BFGS-B on
// central differences from the best 20): independent of the stored minimum.
double searched_minimum(const fn::Benchmark& f) {
  auto value = [&](const VectorXd& x) { return f.formula(x); };
  auto batch = [&](const Eigen::MatrixXd& p) {
    VectorXd out(p.cols());
    for (Eigen::Index j = 0; j < p.cols(); ++j) out[j] = value(p.col(j));
    return out;
  };
  fn::internal::BoxSearchOptions o;
  o.num_points = 1 << 14;
  o.num_starts = 20;
  o.gradient_tolerance = 1e-9;
  return fn::internal::search_box_minimum(
             batch, fn::internal::central_difference_gradient(value, f.lower(), f.upper()),
             f.lower(), f.upper(), o)
      .value;
}

}  // namespace

TEST_CASE("Every benchmark attains its known minimum at its known minimisers",
          "[functions][benchmarks]") {
  for (const char* name : kAllNames) {
    INFO(name);
    const auto f = fn::make_base_benchmark(name);
    REQUIRE(f->known_minimum().has_value());
    REQUIRE_FALSE(f->minimisers().empty());
    for (const VectorXd& x : f->minimisers()) {
      CHECK(std::abs((*f)(x) - *f->known_minimum()) < 1e-5);
      // The minimisers are stationary (or on a face): a central-difference gradient vanishes.
      VectorXd g(f->dim());
      fn::internal::central_difference_gradient([&](const VectorXd& y) { return f->formula(y); },
                                                f->lower(), f->upper(), 1e-7)(x, g);
      CHECK(g.norm() < 1e-4);
    }
  }
}

TEST_CASE("Published values of the benchmarks", "[functions][benchmarks]") {
  // Independent of the catalogue: values from the literature (Surjanovic & Bingham, Virtual
  // Library of Simulation Experiments, https://www.sfu.ca/~ssurjano/optimization.html).
  CHECK(*fn::make_base_benchmark("branin")->known_minimum() == Approx(0.397887).epsilon(1e-6));
  CHECK(*fn::make_base_benchmark("goldstein-price")->known_minimum() == Approx(3.0));
  CHECK(*fn::make_base_benchmark("hartmann3")->known_minimum() == Approx(-3.86278).epsilon(1e-6));
  CHECK(*fn::make_base_benchmark("hartmann6")->known_minimum() == Approx(-3.32237).epsilon(1e-6));
  // Values away from the minimum, computed by hand from the formulas.
  const auto branin = fn::make_base_benchmark("branin");
  const double b = 5.1 / (4 * std::numbers::pi * std::numbers::pi), c = 5 / std::numbers::pi;
  const double q = 0.0 - b * 0.0 + c * 0.0 - 6.0;
  CHECK((*branin)(VectorXd::Zero(2)) ==
        Approx(q * q + 10.0 * (1 - 1 / (8 * std::numbers::pi)) + 10.0));
  CHECK((*fn::make_base_benchmark("goldstein-price"))(VectorXd::Zero(2)) == Approx(600.0));
  CHECK((*fn::make_base_benchmark("rosenbrock:d=3"))(VectorXd::Zero(3)) == Approx(2.0));
  CHECK((*fn::make_base_benchmark("ackley:d=2"))(VectorXd::Ones(2)) ==
        Approx(-20 * std::exp(-0.2) - std::exp(1.0) + 20 + std::exp(1.0)));
}

TEST_CASE("No benchmark goes below its known minimum inside its box", "[functions][benchmarks]") {
  for (const char* name :
       {"branin", "goldstein-price", "hartmann3", "hartmann6", "rosenbrock:d=3", "ackley:d=3"}) {
    INFO(name);
    const auto f = fn::make_base_benchmark(name);
    const double found = searched_minimum(*f);
    CHECK(found >= *f->known_minimum() - 1e-9);
    // The search also reaches it on the multimodal low-dimensional ones (a check of the search).
    CHECK(found <= *f->known_minimum() + 1e-5);
  }
}

TEST_CASE("Benchmark domains and names", "[functions][benchmarks]") {
  const auto branin = fn::make_base_benchmark("branin");
  CHECK(branin->lower() == Eigen::Vector2d(-5, 0));
  CHECK(branin->upper() == Eigen::Vector2d(10, 15));
  CHECK(fn::make_base_benchmark("goldstein-price")->upper() == VectorXd::Constant(2, 2.0));
  CHECK(fn::make_base_benchmark("hartmann6")->dim() == 6);
  CHECK(fn::make_base_benchmark("ackley:d=10")->upper() == VectorXd::Constant(10, 32.768));
  CHECK(fn::make_base_benchmark("rosenbrock")->dim() == 2);
  CHECK(fn::make_base_benchmark("rosenbrock", 4)->name() == "rosenbrock:d=4");
  CHECK(fn::make_base_benchmark("branin:d=2")->name() == "branin");
  for (const char* name : kAllNames) {
    const auto f = fn::make_benchmark(name);
    CHECK(fn::make_benchmark(f->name())->name() == f->name());
  }
  const auto names = fn::benchmark_names();
  REQUIRE(names.size() == fn::benchmark_catalog().size());
  CHECK(names.front() == "branin");
  for (const auto& info : fn::benchmark_catalog()) {
    CHECK(fn::make_base_benchmark(info.name)->minimum() == info.minimum);
  }
}

TEST_CASE("Benchmarks reject bad names and bad points", "[functions][benchmarks][errors]") {
  CHECK_THROWS_AS(fn::make_benchmark("nope"), std::invalid_argument);
  CHECK_THROWS_WITH(fn::make_benchmark("nope"), Catch::Contains("unknown benchmark 'nope'") &&
                                                    Catch::Contains("hartmann6") &&
                                                    Catch::Contains("goldstein-price"));
  CHECK_THROWS_WITH(fn::make_benchmark("branin:d=3"), Catch::Contains("2-dimensional"));
  CHECK_THROWS_WITH(fn::make_benchmark("rosenbrock:d=1"), Catch::Contains("d >= 2"));
  CHECK_THROWS_WITH(fn::make_benchmark("ackley:d=0"), Catch::Contains("d >= 1"));
  CHECK_THROWS_WITH(fn::make_benchmark("ackley:d=x"), Catch::Contains("':d=N'"));
  CHECK_THROWS_WITH(fn::make_benchmark("ackley:n=3"), Catch::Contains("':d=N'"));
  CHECK_THROWS_WITH(fn::make_benchmark("ackley:d=3", 4), Catch::Contains("d=4"));
  CHECK_THROWS_WITH(fn::make_benchmark("ackley", 0), Catch::Contains("d must be >= 1"));
  CHECK_THROWS_WITH(fn::make_benchmark("branin#inst-3"), Catch::Contains("instance-SEED"));
  CHECK_THROWS_WITH(fn::make_benchmark("branin#instance-"), Catch::Contains("instance-SEED"));
  CHECK_THROWS_WITH(fn::make_benchmark("branin#instance--1"), Catch::Contains("instance-SEED"));

  const auto f = fn::make_benchmark("branin");
  CHECK_THROWS_WITH((*f)(Eigen::Vector3d(0, 0, 0)),
                    Catch::Contains("branin") && Catch::Contains("3 dims, expected 2"));
  CHECK_THROWS_WITH((*f)(Eigen::Vector2d(11, 1)),
                    Catch::Contains("branin") && Catch::Contains("outside the box"));
  CHECK_THROWS_WITH((*f)(Eigen::Vector2d(NAN, 1)), Catch::Contains("not finite"));
  CHECK_THROWS_WITH(fn::make_base_benchmark("branin")->formula(VectorXd::Zero(1)),
                    Catch::Contains("1 dims, expected 2"));

  fn::Benchmark::Spec spec;
  spec.name = "bad";
  spec.lower = VectorXd::Zero(1);
  spec.upper = VectorXd::Ones(1);
  spec.formula = [](const VectorXd& x) { return x[0]; };
  CHECK_THROWS_WITH(fn::Benchmark(spec), Catch::Contains("no known minimiser"));
  spec.minimisers = {VectorXd::Constant(1, 2.0)};
  CHECK_THROWS_WITH(fn::Benchmark(spec), Catch::Contains("outside the box"));
  spec.minimisers = {VectorXd::Zero(1)};
  spec.upper = VectorXd::Zero(1);
  CHECK_THROWS_WITH(fn::Benchmark(spec), Catch::Contains("Benchmark::Benchmark()"));
}
