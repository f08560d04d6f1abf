#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/intervals.h"

using Catch::Contains;

TEST_CASE("student_t_quantile matches tabulated Student-t values", "[core][intervals]") {
  // Two-sided 95%: t_{0.975, dof}.
  CHECK(rnnopt::student_t_quantile(1) == Approx(12.7062047362).epsilon(1e-9));
  CHECK(rnnopt::student_t_quantile(4) == Approx(2.7764451052).epsilon(1e-9));
  CHECK(rnnopt::student_t_quantile(7) == Approx(2.3646242516).epsilon(1e-9));
  CHECK(rnnopt::student_t_quantile(29) == Approx(2.0452296421).epsilon(1e-9));
  // Two-sided 90% and 99%.
  CHECK(rnnopt::student_t_quantile(10, 0.90) == Approx(1.8124611228).epsilon(1e-9));
  CHECK(rnnopt::student_t_quantile(20, 0.99) == Approx(2.8453397098).epsilon(1e-9));
  // Large dof tends to the normal quantile 1.959964.
  CHECK(rnnopt::student_t_quantile(100000) == Approx(1.959963985).epsilon(1e-4));
  CHECK_THROWS_WITH(rnnopt::student_t_quantile(0), Contains("dof"));
  CHECK_THROWS_WITH(rnnopt::student_t_quantile(5, 1.0), Contains("level"));
}

TEST_CASE("mean_interval on 8 runs is a t-interval, wider than 1.96 sd / sqrt(n)",
          "[core][intervals]") {
  const std::vector<double> runs{1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0};
  const rnnopt::MeanInterval m = rnnopt::mean_interval(runs);
  // mean 4.5, sd sqrt(6), half-width t_{0.975,7} sqrt(6) / sqrt(8) = 2.3646243 * 0.8660254
  // = 2.0478247.
  CHECK(m.n == 8);
  CHECK(m.mean == Approx(4.5));
  CHECK(m.sd == Approx(std::sqrt(6.0)));
  CHECK(m.upper - m.mean == Approx(2.0478247).epsilon(1e-6));
  CHECK(m.mean - m.lower == Approx(2.0478247).epsilon(1e-6));
  CHECK(m.upper - m.mean > 1.96 * m.sd / std::sqrt(8.0) * 1.2);

  const rnnopt::MeanInterval one = rnnopt::mean_interval({3.0});
  CHECK(one.mean == 3.0);
  CHECK(one.sd == 0.0);
  CHECK(std::isnan(one.lower));
  CHECK(std::isnan(one.upper));
}

TEST_CASE("median_interval takes order statistics of Binomial(n, 1/2)", "[core][intervals]") {
  // n = 8: P(B <= 0) = 1/256 <= 0.025 < P(B <= 1) = 9/256: ranks 1 and 8, coverage 1 - 2/256.
  const rnnopt::MedianInterval m8 = rnnopt::median_interval({8, 1, 7, 2, 6, 3, 5, 4});
  CHECK(m8.median == Approx(4.5));
  CHECK(m8.lower_rank == 1);
  CHECK(m8.upper_rank == 8);
  CHECK(m8.coverage == Approx(1.0 - 2.0 / 256.0));
  // n = 9: P(B <= 1) = 10/512 <= 0.025 < P(B <= 2) = 46/512: ranks 2 and 8.
  const rnnopt::MedianInterval m9 = rnnopt::median_interval({9, 1, 8, 2, 7, 3, 6, 4, 5});
  CHECK(m9.median == 5.0);
  CHECK(m9.lower == 2.0);
  CHECK(m9.upper == 8.0);
  CHECK(m9.coverage == Approx(1.0 - 20.0 / 512.0));
}

TEST_CASE("intervals reject empty and non-finite samples and bad levels", "[core][intervals]") {
  CHECK_THROWS_WITH(rnnopt::mean_interval({}), Contains("mean_interval()") && Contains("empty"));
  CHECK_THROWS_WITH(rnnopt::median_interval({}), Contains("empty"));
  CHECK_THROWS_WITH(rnnopt::mean_interval({1.0, INFINITY}), Contains("non-finite"));
  CHECK_THROWS_WITH(rnnopt::median_interval({1.0, NAN}), Contains("non-finite"));
  CHECK_THROWS_WITH(rnnopt::mean_interval({1.0, 2.0}, 0.0), Contains("level"));
}
