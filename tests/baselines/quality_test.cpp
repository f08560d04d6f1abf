// Statistical quality of the Spearmint-like optimizer against random search (slow: run with
// `rnnopt_tests_baselines "[.slow]"`). Median simple regret over seeds, as the paper reports.
#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <vector>

#include "baselines/random_search.h"
#include "baselines/spearmint.h"
#include "functions/benchmarks.h"
#include "tests/support/seed.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double run_regret(rnnopt::Optimizer& opt, const rnnopt::functions::Objective& f, int budget) {
  for (int t = 0; t < budget; ++t) {
    const Eigen::VectorXd x = opt.propose();
    opt.observe(x, f(x));
  }
  return opt.best()->y - *f.known_minimum();
}

void check_quality(const std::string& name, int budget, double threshold, int seeds) {
  const auto f = rnnopt::functions::make_benchmark(name);
  const rnnopt::Box box{f->lower(), f->upper()};
  const std::uint64_t base = rnnopt::test::seed("quality " + name, 100);
  std::vector<double> spearmint, random;
  for (int s = 0; s < seeds; ++s) {
    rnnopt::baselines::SpearmintOptimizer opt(box, {}, base + s);
    spearmint.push_back(run_regret(opt, *f, budget));
    rnnopt::baselines::RandomSearch rs(box, base + s);
    random.push_back(run_regret(rs, *f, budget));
    std::cout << name << " seed " << base + s << ": spearmint regret " << spearmint.back()
              << ", random " << random.back() << std::endl;
  }
  const double ms = median(spearmint), mr = median(random);
  std::cout << name << " after " << budget << ": median regret spearmint " << ms << ", random "
            << mr << " (" << seeds << " seeds)" << std::endl;
  CHECK(ms < threshold);
  CHECK(ms < 0.2 * mr);  // clearly better than random search at the same budget
}

}  // namespace

TEST_CASE("Spearmint on Branin: median regret after 50 evaluations below 0.01",
          "[baselines][quality][.slow]") {
  check_quality("branin", 50, 0.01, 5);
}

TEST_CASE("Spearmint on Hartmann-6: median regret after 100 evaluations below 0.3",
          "[baselines][quality][.slow]") {
  check_quality("hartmann6", 100, 0.3, 5);
}
