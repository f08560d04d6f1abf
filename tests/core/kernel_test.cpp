#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>

#include "core/kernel.h"

using rnnopt::kernel_shape;
using rnnopt::kernel_shape_d_r2;
using rnnopt::KernelKind;

namespace {

// The general Matern kernel with smoothness nu (Rasmussen & Williams 2006, Eq. 4.14),
// 2^(1-nu) / Gamma(nu) (sqrt(2 nu) r)^nu K_nu(sqrt(2 nu) r), by Boost's modified Bessel function:
// a formula independent of the closed form for nu = 5/2 under test.
double matern_bessel(double nu, double r) {
  const double x = std::sqrt(2.0 * nu) * r;
  return std::pow(2.0, 1.0 - nu) / boost::math::tgamma(nu) * std::pow(x, nu) *
         boost::math::cyl_bessel_k(nu, x);
}

// The RBF kernel as the ratio of standard normal densities phi(r) / phi(0).
double rbf_normal(double r) {
  const boost::math::normal_distribution<double> n;
  return boost::math::pdf(n, r) / boost::math::pdf(n, 0.0);
}

}  // namespace

TEST_CASE("kernel_shape at r = 0, 1 and far away", "[core][kernel]") {
  // r = 0: both kernels are exactly 1 (the signal variance is a factor outside).
  CHECK(kernel_shape(KernelKind::kRbf, 0.0) == 1.0);
  CHECK(kernel_shape(KernelKind::kMatern52, 0.0) == 1.0);

  // r = 1: exp(-1/2), and (1 + sqrt5 + 5/3) exp(-sqrt5), to 20 digits (computed with 30).
  CHECK(kernel_shape(KernelKind::kRbf, 1.0) == Approx(0.60653065971263342360).epsilon(1e-15));
  CHECK(kernel_shape(KernelKind::kMatern52, 1.0) == Approx(0.52399410883182031059).epsilon(1e-15));

  // r = 3, 10, 30: the Matern-5/2 tail is exponential in r, the RBF's Gaussian.
  CHECK(kernel_shape(KernelKind::kRbf, 9.0) == Approx(0.011108996538242306496).epsilon(1e-14));
  CHECK(kernel_shape(KernelKind::kMatern52, 9.0) == Approx(0.027723421914625810967).epsilon(1e-14));
  CHECK(kernel_shape(KernelKind::kRbf, 100.0) == Approx(1.928749847963917783e-22).epsilon(1e-14));
  CHECK(kernel_shape(KernelKind::kMatern52, 100.0) ==
        Approx(3.6956962220528724424e-8).epsilon(1e-14));
  CHECK(kernel_shape(KernelKind::kRbf, 900.0) == Approx(3.6938830684872562188e-196).epsilon(1e-13));
  CHECK(kernel_shape(KernelKind::kMatern52, 900.0) ==
        Approx(1.1534778700374441284e-26).epsilon(1e-13));

  // Far away both reach exactly 0, never NaN: exp(-5000) and exp(-sqrt5 1e4) underflow.
  CHECK(kernel_shape(KernelKind::kRbf, 1e4) == 0.0);
  CHECK(kernel_shape(KernelKind::kMatern52, 1e8) == 0.0);
  CHECK(kernel_shape(KernelKind::kMatern52, 1e4) > 0.0);  // r = 100: about 1e-93
  CHECK(kernel_shape_d_r2(KernelKind::kRbf, 1e4) == 0.0);
  CHECK(kernel_shape_d_r2(KernelKind::kMatern52, 1e8) == 0.0);

  // Round-off below zero (a squared distance from a matrix product) counts as 0 for Matern-5/2.
  CHECK(kernel_shape(KernelKind::kMatern52, -1e-17) == Approx(1.0));
}

TEST_CASE("kernel_shape agrees with independent formulas of both kernels", "[core][kernel]") {
  for (double r : {1e-3, 0.05, 0.3, 0.7, 1.0, 1.5, 2.5, 4.0, 6.0, 10.0, 20.0, 40.0}) {
    INFO("r = " << r);
    CHECK(kernel_shape(KernelKind::kMatern52, r * r) ==
          Approx(matern_bessel(2.5, r)).epsilon(1e-12));
    CHECK(kernel_shape(KernelKind::kRbf, r * r) == Approx(rbf_normal(r)).epsilon(1e-12));
  }
  // Separability of the RBF kernel: k(r^2) for r^2 = a^2 + b^2 + c^2 is a product of three 1-d
  // ones.
  const double a = 0.3, b = -1.2, c = 0.75;
  CHECK(kernel_shape(KernelKind::kRbf, a * a + b * b + c * c) ==
        Approx(rbf_normal(a) * rbf_normal(b) * rbf_normal(c)).epsilon(1e-14));
  // Matern-5/2 lies between the Matern-3/2 kernel (1 + sqrt3 r) exp(-sqrt3 r) and the RBF at
  // moderate distances (smoother kernels are flatter near 0).
  for (double r : {0.2, 0.5, 1.0}) {
    const double m32 = (1.0 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r);
    CHECK(kernel_shape(KernelKind::kMatern52, r * r) > m32);
    CHECK(kernel_shape(KernelKind::kMatern52, r * r) < kernel_shape(KernelKind::kRbf, r * r));
  }
}

TEST_CASE("kernel_shape_d_r2 is the r^2 derivative, finite at r = 0", "[core][kernel]") {
  // At r = 0 the slope in r^2 is -1/2 (RBF) and -5/6 (Matern-5/2).
  CHECK(kernel_shape_d_r2(KernelKind::kRbf, 0.0) == Approx(-0.5).epsilon(1e-15));
  CHECK(kernel_shape_d_r2(KernelKind::kMatern52, 0.0) == Approx(-5.0 / 6.0).epsilon(1e-15));
  // At r = 1: -exp(-1/2) / 2, and -(5/6) (1 + sqrt5) exp(-sqrt5).
  CHECK(kernel_shape_d_r2(KernelKind::kRbf, 1.0) ==
        Approx(-0.5 * 0.60653065971263342360).epsilon(1e-15));
  CHECK(kernel_shape_d_r2(KernelKind::kMatern52, 1.0) ==
        Approx(-0.28822019394264782689).epsilon(1e-15));
  // Central differences in r^2 elsewhere.
  for (KernelKind kind : {KernelKind::kRbf, KernelKind::kMatern52}) {
    for (double r : {0.05, 0.3, 1.0, 2.5, 6.0}) {
      INFO("kernel " << rnnopt::kernel_name(kind) << ", r = " << r);
      const double r2 = r * r, h = 1e-6 * r2;
      const double fd = (kernel_shape(kind, r2 + h) - kernel_shape(kind, r2 - h)) / (2.0 * h);
      CHECK(kernel_shape_d_r2(kind, r2) == Approx(fd).epsilon(1e-6).margin(1e-10));
    }
  }
}

TEST_CASE("apply_kernel_shape is scale * kernel_shape entry by entry", "[core][kernel]") {
  // 7 x 5: an odd number of entries, so that both Eigen's packet path and its scalar tail run.
  Eigen::MatrixXd r2(7, 5);
  for (Eigen::Index i = 0; i < r2.rows(); ++i) {
    for (Eigen::Index j = 0; j < r2.cols(); ++j) r2(i, j) = 0.37 * static_cast<double>(i * j);
  }
  for (KernelKind kind : {KernelKind::kRbf, KernelKind::kMatern52}) {
    Eigen::MatrixXd k = r2;
    rnnopt::apply_kernel_shape(kind, 1.7, k);
    for (Eigen::Index i = 0; i < r2.rows(); ++i) {
      for (Eigen::Index j = 0; j < r2.cols(); ++j) {
        INFO("kernel " << rnnopt::kernel_name(kind) << ", r^2 = " << r2(i, j));
        CHECK(k(i, j) == Approx(1.7 * kernel_shape(kind, r2(i, j))).epsilon(1e-14));
      }
    }
  }
}

TEST_CASE("kernel names: rbf and matern52, nothing else", "[core][kernel]") {
  CHECK(rnnopt::kernel_name(KernelKind::kRbf) == "rbf");
  CHECK(rnnopt::kernel_name(KernelKind::kMatern52) == "matern52");
  for (KernelKind kind : {KernelKind::kRbf, KernelKind::kMatern52}) {
    CHECK(rnnopt::parse_kernel_kind(rnnopt::kernel_name(kind)) == kind);
  }
  for (const char* bad : {"", "RBF", "Matern52", "matern", "mixed", "matern52 "}) {
    INFO("name '" << bad << "'");
    CHECK_FALSE(rnnopt::parse_kernel_kind(bad).has_value());
  }
}
