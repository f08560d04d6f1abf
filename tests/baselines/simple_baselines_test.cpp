// Tests of the simple baselines (random search, scrambled Sobol search) and the Sobol sequence.
#include <catch2/catch.hpp>
#include <memory>

#include "baselines/random_search.h"
#include "baselines/sobol_search.h"
#include "baselines/sobol_sequence.h"
#include "tests/support/conformance.h"

using rnnopt::Box;
using rnnopt::baselines::RandomSearch;
using rnnopt::baselines::SobolSearch;
using rnnopt::baselines::SobolSequence;

TEST_CASE("RandomSearch conforms", "[baselines][conformance]") {
  rnnopt::test::ConformanceOptions options;
  options.check_different_seeds_differ = true;
  rnnopt::test::check_conformance(
      [](const Box& box, std::uint64_t seed) { return std::make_unique<RandomSearch>(box, seed); },
      options);
}

TEST_CASE("SobolSearch conforms", "[baselines][conformance]") {
  rnnopt::test::ConformanceOptions options;
  options.check_different_seeds_differ = true;
  rnnopt::test::check_conformance(
      [](const Box& box, std::uint64_t seed) { return std::make_unique<SobolSearch>(box, seed); },
      options);
}

TEST_CASE("A state is refused by another kind of optimizer or another dimension",
          "[baselines][state]") {
  RandomSearch r(Box::unit(2), 1);
  const rnnopt::Trial t = r.ask();
  r.observe(t.id, 1.0);
  r.ask();
  SobolSearch s(Box::unit(2), 1);
  CHECK_THROWS_WITH(s.restore_state(r.save_state()),
                    Catch::Contains("SobolSearch::restore_state()") &&
                        Catch::Contains("saved by a RandomSearch"));
  RandomSearch r3(Box::unit(3), 1);
  CHECK_THROWS_WITH(
      r3.restore_state(r.save_state()),
      Catch::Contains("RandomSearch::restore_state()") && Catch::Contains("saved for 2 dims"));
  CHECK(s.history().empty());
  CHECK(r3.history().empty());
  // A pending trial id that the trial record does not list is malformed.
  std::string bad = r.save_state();
  const auto at = bad.find("pending\n1 2 ");
  REQUIRE(at != std::string::npos);
  bad.replace(at, 12, "pending\n1 7 ");
  RandomSearch r2(Box::unit(2), 1);
  CHECK_THROWS_WITH(r2.restore_state(bad), Catch::Contains("bad pending trial id 7"));
}

TEST_CASE("Sobol sequence starts at the corner, then the centre", "[baselines][sobol]") {
  SobolSequence seq(4);
  CHECK(seq.next() == Eigen::VectorXd::Zero(4));
  CHECK(seq.next() == Eigen::VectorXd::Constant(4, 0.5));
  const Eigen::VectorXd third = seq.next();
  for (int j = 0; j < 4; ++j) CHECK((third[j] == 0.25 || third[j] == 0.75));
}

TEST_CASE("Sobol discard equals stepping", "[baselines][sobol]") {
  for (std::uint64_t skip : {1u, 2u, 5u, 37u}) {
    SobolSequence stepped(3, 11), skipped(3, 11);
    for (std::uint64_t i = 0; i < skip; ++i) stepped.next();
    skipped.discard(skip);
    CHECK(skipped.index() == skip);
    for (int i = 0; i < 4; ++i) CHECK(stepped.next() == skipped.next());
  }
  const Eigen::MatrixXd grid = rnnopt::baselines::sobol_grid(2, 8, 3);
  SobolSequence seq(2);
  seq.discard(3);
  for (int i = 0; i < 8; ++i) CHECK(grid.row(i).transpose() == seq.next());
}

TEST_CASE("Sobol points are well spread; a shift keeps the stratification", "[baselines][sobol]") {
  // The first 2^k points of a (shifted) Sobol sequence put exactly one point in each of the 2^k
  // elementary intervals of width 2^-k along every coordinate.
  for (auto shift : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{99}}) {
    const Eigen::MatrixXd grid = rnnopt::baselines::sobol_grid(5, 64, 0, shift);
    for (int j = 0; j < 5; ++j) {
      std::vector<int> count(64, 0);
      for (int i = 0; i < 64; ++i) {
        REQUIRE(grid(i, j) >= 0.0);
        REQUIRE(grid(i, j) < 1.0);
        ++count[static_cast<int>(grid(i, j) * 64)];
      }
      for (int c : count) CHECK(c == 1);
    }
  }
  const Eigen::MatrixXd a = rnnopt::baselines::sobol_grid(3, 10, 0, 1);
  const Eigen::MatrixXd b = rnnopt::baselines::sobol_grid(3, 10, 0, 2);
  CHECK((a - b).norm() > 0.1);
}

TEST_CASE("Sobol sequence rejects bad dimensions", "[baselines][sobol]") {
  CHECK_THROWS_AS(SobolSequence(0), std::invalid_argument);
  CHECK_THROWS_AS(SobolSequence(SobolSequence::max_dim() + 1), std::invalid_argument);
  CHECK_THROWS_AS(rnnopt::baselines::sobol_grid(2, -1), std::invalid_argument);
}
