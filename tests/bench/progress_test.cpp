// The progress bar's fraction and ETA weight the work by each group's measured cost.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "bench/quality/progress.h"

using rnnopt::bench::Progress;

TEST_CASE("Progress weights the fraction done and the ETA by measured cost", "[bench]") {
  std::ostringstream sink;
  Progress p(sink, {100.0, 100.0}, /*jobs=*/2, /*enabled=*/false);
  CHECK(p.fraction() == Approx(0.0));
  // Nothing measured: the fraction of evaluations, and no ETA yet.
  CHECK(std::isnan(p.eta_seconds()));

  // Group 0 at 1 s per evaluation; group 1, unmeasured, borrows that (pessimistic) rate.
  p.add_done(0, 50.0, 50.0);
  CHECK(p.fraction() == Approx(50.0 / (50.0 + 150.0)));
  CHECK(p.eta_seconds() == Approx(150.0 / 2));

  // Group 1 turns out cheap (0.01 s per evaluation): 75% of the evaluations are done, but only
  // about half of the work.
  p.add_done(1, 100.0, 1.0);
  CHECK(p.fraction() == Approx(51.0 / (51.0 + 50.0)));
  CHECK(p.eta_seconds() == Approx(50.0 / 2));

  p.add_done(0, 50.0, 50.0);
  CHECK(p.fraction() == Approx(1.0));
  CHECK(p.eta_seconds() == Approx(0.0));
}
