#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "bench/quality/statistics.h"

using namespace rnnopt::bench;

TEST_CASE("mean_interval matches a hand-computed t-interval", "[bench][statistics]") {
  // mean 3, sd sqrt(2.5), t_{0.975,4} = 2.7764451, half-width 2.7764451 * sqrt(2.5 / 5).
  const MeanInterval m = mean_interval({4.0, 1.0, 5.0, 2.0, 3.0});
  CHECK(m.n == 5);
  CHECK(m.mean == Approx(3.0));
  CHECK(m.sd == Approx(std::sqrt(2.5)));
  CHECK(m.lower == Approx(3.0 - 1.9632432).epsilon(1e-6));
  CHECK(m.upper == Approx(3.0 + 1.9632432).epsilon(1e-6));

  // Two values 0 and 2: mean 1, sd sqrt(2), t_{0.975,1} = 12.706205, half = 12.706205.
  const MeanInterval two = mean_interval({0.0, 2.0});
  CHECK(two.lower == Approx(1.0 - 12.706205).epsilon(1e-6));
  CHECK(two.upper == Approx(1.0 + 12.706205).epsilon(1e-6));

  const MeanInterval one = mean_interval({7.0});
  CHECK(one.mean == 7.0);
  CHECK(std::isnan(one.lower));
  CHECK(std::isnan(one.upper));
}

TEST_CASE("median_interval uses the order statistics of Binomial(n, 1/2)", "[bench][statistics]") {
  // n = 10: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so ranks 2 and 9.
  const MedianInterval m = median_interval({7, 3, 10, 1, 9, 2, 8, 4, 6, 5});
  CHECK(m.median == Approx(5.5));
  CHECK(m.lower_rank == 2);
  CHECK(m.upper_rank == 9);
  CHECK(m.lower == 2.0);
  CHECK(m.upper == 9.0);
  CHECK(m.coverage == Approx(1.0 - 22.0 / 1024.0));

  // n = 6: only rank 1 qualifies (1/64 <= 0.025 < 7/64): the range, coverage 62/64.
  const MedianInterval six = median_interval({6, 5, 4, 3, 2, 1});
  CHECK(six.median == Approx(3.5));
  CHECK(six.lower == 1.0);
  CHECK(six.upper == 6.0);
  CHECK(six.coverage == Approx(62.0 / 64.0));

  // n = 5: no rank reaches 95%; the range with coverage 1 - 2/32.
  const MedianInterval five = median_interval({3, 1, 2, 5, 4});
  CHECK(five.median == 3.0);
  CHECK(five.lower_rank == 1);
  CHECK(five.upper_rank == 5);
  CHECK(five.coverage == Approx(0.9375));

  // n = 20: P(B <= 5) = 0.0207 <= 0.025 < P(B <= 6) = 0.0577: ranks 6 and 15.
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);
  const MedianInterval m20 = median_interval(twenty);
  CHECK(m20.lower_rank == 6);
  CHECK(m20.upper_rank == 15);
  CHECK(m20.lower == 6.0);
  CHECK(m20.upper == 15.0);
  CHECK(m20.coverage == Approx(1.0 - 2.0 * 21700.0 / 1048576.0));
}

TEST_CASE("regret at horizons reads the best-so-far curve", "[bench][statistics]") {
  const std::vector<double> regret = best_so_far_regret({3.0, 5.0, 1.0, 2.0, 0.75}, 0.5);
  CHECK(regret == std::vector<double>{2.5, 2.5, 0.5, 0.5, 0.25});
  CHECK(regret_at_horizons(regret, {1, 3, 5}) == std::vector<double>{2.5, 0.5, 0.25});
  CHECK_THROWS_WITH(regret_at_horizons(regret, {6}), Catch::Contains("horizon 6"));
  CHECK_THROWS_WITH(regret_at_horizons(regret, {0}), Catch::Contains("horizon 0"));
}

TEST_CASE("statistics reject empty or non-finite samples", "[bench][statistics]") {
  CHECK_THROWS_WITH(mean_interval({}), Catch::Contains("empty"));
  CHECK_THROWS_WITH(median_interval({}), Catch::Contains("empty"));
  CHECK_THROWS_WITH(mean_interval({1.0, NAN}), Catch::Contains("non-finite"));
  CHECK_THROWS_WITH(mean_interval({1.0, 2.0}, 1.5), Catch::Contains("level"));
}
