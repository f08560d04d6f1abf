// rnnopt/functions/benchmarks.h: the classic global-optimisation benchmarks, by name.
//
// Branin, Goldstein-Price, Hartmann-3, Hartmann-6 (the paper's section 5.2 set), Rosenbrock and
// Ackley (any dimension), each on its standard domain with its known global minimum and
// minimisers as the Virtual Library of Simulation Experiments gives them (Surjanovic & Bingham,
// https://www.sfu.ca/~ssurjano/optimization.html). The command-line tools build them
// from names; a name may end in "#instance-SEED" for a random instance (functions/instance.h).
//
//   auto f = rnnopt::functions::make_benchmark("hartmann6");
//   auto g = rnnopt::functions::make_benchmark("rosenbrock:d=4");
//   auto h = rnnopt::functions::make_benchmark("branin#instance-17");   // a random instance
//   double regret = (*f)(x) - *f->known_minimum();
//   for (const auto& info : rnnopt::functions::benchmark_catalog()) std::cout << info.name;
#pragma once

#include <Eigen/Core>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "functions/objective.h"

namespace rnnopt::functions {

// A closed-form test function with a known global minimum on its box.
class Benchmark final : public Objective {
 public:
  struct Spec {
    std::string name;
    Eigen::VectorXd lower;
    Eigen::VectorXd upper;
    // The formula, defined (analytic) on all of R^d, not only on the box: random instances
    // evaluate it at points their transformation maps outside the box.
    std::function<double(const Eigen::VectorXd&)> formula;
    double minimum = 0.0;                     // the global minimum on the box
    std::vector<Eigen::VectorXd> minimisers;  // every known global minimiser, inside the box
    // True when `minimum` is also a lower bound of the formula on all of R^d (Branin,
    // Rosenbrock, Ackley): an instance whose box still contains a minimiser then keeps the
    // minimum without a numerical search.
    bool minimum_bounds_whole_space = false;
  };

  // Throws std::invalid_argument("Benchmark::Benchmark(): ...") for an invalid box, an empty
  // name, no formula, or no minimiser inside the box.
  explicit Benchmark(Spec spec);

  int dim() const override { return static_cast<int>(spec_.lower.size()); }
  Eigen::VectorXd lower() const override { return spec_.lower; }
  Eigen::VectorXd upper() const override { return spec_.upper; }
  std::optional<double> known_minimum() const override { return spec_.minimum; }
  std::string name() const override { return spec_.name; }

  // The formula at any finite x with dim() entries, inside the box or not (only the size is
  // checked: throws std::invalid_argument otherwise).
  double formula(const Eigen::VectorXd& x) const;
  double minimum() const { return spec_.minimum; }
  const std::vector<Eigen::VectorXd>& minimisers() const { return spec_.minimisers; }
  bool minimum_bounds_whole_space() const { return spec_.minimum_bounds_whole_space; }

 private:
  double evaluate(const Eigen::VectorXd& x) const override { return spec_.formula(x); }

  Spec spec_;
};

using BenchmarkPtr = std::shared_ptr<const Benchmark>;

// One entry of the catalogue of known benchmark names.
struct BenchmarkInfo {
  std::string name;    // as accepted by make_benchmark, e.g. "rosenbrock"
  int dim;             // its dimension, or 0 for any dimension ("name:d=N", default 2)
  std::string domain;  // e.g. "[-5,10] x [0,15]"
  double minimum;      // the global minimum value
};

// Every benchmark make_benchmark knows, in a fixed order.
std::vector<BenchmarkInfo> benchmark_catalog();
// Their names, e.g. for --help texts: "branin", "goldstein-price", ..., "ackley".
std::vector<std::string> benchmark_names();

// The base benchmark `name` ("branin", "goldstein-price", "hartmann3", "hartmann6",
// "rosenbrock", "ackley"); the any-dimension ones take ":d=N" ("ackley:d=10"; without it d = 2).
// Throws std::invalid_argument for an unknown name (listing the known ones), a malformed option,
// a dimension other than a fixed-dimension function's own ("branin:d=2" is accepted,
// "branin:d=3" is not), or a bad dimension (Rosenbrock needs d >= 2, Ackley d >= 1).
BenchmarkPtr make_base_benchmark(std::string_view name);
// Same for an any-dimension benchmark with an explicit d ("rosenbrock", 4); for a fixed-dimension
// one d must equal its dimension.
BenchmarkPtr make_base_benchmark(std::string_view name, int d);

// A base benchmark, or with the suffix "#instance-SEED" (SEED a decimal uint64) its random
// instance make_instance(base, SEED). make_benchmark(f->name()) rebuilds f. Throws as
// make_base_benchmark, and for a malformed suffix. "repellers" and "repellers#instance-SEED" give
// the control task of functions/repellers.h (6 parameters, no known minimum).
ObjectivePtr make_benchmark(std::string_view name);
ObjectivePtr make_benchmark(std::string_view name, int d);

}  // namespace rnnopt::functions
