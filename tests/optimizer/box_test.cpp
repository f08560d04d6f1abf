#include <catch2/catch.hpp>

#include "optimizer/optimizer.h"

using rnnopt::Box;

TEST_CASE("Box maps to the canonical and unit cubes and back", "[optimizer][box]") {
  Box box{Eigen::Vector2d(-5.0, 0.0), Eigen::Vector2d(10.0, 15.0)};
  box.validate("test");
  const Eigen::Vector2d x(2.5, 3.0);
  const Eigen::VectorXd c = box.to_canonical(x);
  CHECK(c[0] == Approx(0.0));
  CHECK(c[1] == Approx(-0.6));
  CHECK((box.from_canonical(c) - x).norm() < 1e-12);
  CHECK((box.from_unit(box.to_unit(x)) - x).norm() < 1e-12);
  CHECK(box.contains(x));
  CHECK_FALSE(box.contains(Eigen::Vector2d(11.0, 1.0)));
  CHECK_FALSE(box.contains(Eigen::Vector3d(1.0, 1.0, 1.0)));
}

TEST_CASE("Box::validate names the problem", "[optimizer][box]") {
  CHECK_THROWS_WITH((Box{Eigen::VectorXd(), Eigen::VectorXd()}.validate("Here()")),
                    Catch::Contains("Here()") && Catch::Contains("empty"));
  CHECK_THROWS_WITH((Box{Eigen::Vector2d(0, 1), Eigen::Vector2d(1, 1)}.validate("X")),
                    Catch::Contains("dimension 1") && Catch::Contains("inverted"));
  CHECK_THROWS_WITH((Box{Eigen::Vector2d(0, 0), Eigen::Vector3d(1, 1, 1)}.validate("X")),
                    Catch::Contains("upper has 3"));
  CHECK_THROWS_WITH(
      (Box{Eigen::Vector2d(0, -INFINITY), Eigen::Vector2d(1, 1)}.validate("X")),
      Catch::Contains("not finite"));
}
