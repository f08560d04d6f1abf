// GP test-function specs: the fixed prior (the paper's protocol) and the wide prior (length-scales
// drawn per function and dimension, kernel drawn per function), and what spearmint-fixed is told.
#include <catch2/catch.hpp>

#include "bench/quality/registry.h"

using namespace rnnopt::bench;
namespace fn = rnnopt::functions;

TEST_CASE("the wide GP prior parses, labels itself canonically and draws per function",
          "[bench][gp]") {
  const FunctionEntry e = parse_function("gp:d=3:kernel=mixed:ell=loguniform:0.1:1:ard");
  CHECK(e.label == "gp:d=3:kernel=mixed:ell=loguniform:0.1:1:ard");
  CHECK(e.dim == 3);
  // The label parses back to the same functions.
  const FunctionEntry again = parse_function(e.label);
  int matern = 0;
  for (int i = 0; i < 24; ++i) {
    const FunctionInstance a = e.make_instance(i, 0.0);
    const FunctionInstance b = again.make_instance(i, 0.0);
    const Eigen::VectorXd x = Eigen::VectorXd::Constant(3, 0.25);
    CHECK((*a.objective)(x) == (*b.objective)(x));
    // spearmint-fixed is told this function's own kernel and length-scales.
    const auto& gp = dynamic_cast<const fn::GpSample&>(*a.objective);
    CHECK_FALSE(a.truth.prior.mixed_kernel);
    CHECK(a.truth.prior.kernel == gp.params().kernel);
    CHECK(a.truth.length_scales == gp.params().length_scales);
    CHECK(a.truth.length_scales.minCoeff() >= 0.1);
    CHECK(a.truth.length_scales.maxCoeff() <= 1.0);
    CHECK(a.truth.length_scales.maxCoeff() > a.truth.length_scales.minCoeff());  // ard
    if (gp.params().kernel == rnnopt::KernelKind::kMatern52) ++matern;
  }
  CHECK(matern > 0);
  CHECK(matern < 24);
  // Without ard one length-scale per function; uniform too.
  const FunctionEntry iso = parse_function("gp:d=2:ell=uniform:0.2:0.5");
  CHECK(iso.label == "gp:d=2:ell=uniform:0.2:0.5");
  const FunctionInstance u = iso.make_instance(0, 0.0);
  CHECK(u.truth.length_scales[0] == u.truth.length_scales[1]);
  CHECK(u.truth.length_scales[0] >= 0.2);
  CHECK(u.truth.length_scales[0] <= 0.5);
  // The fixed prior keeps its label and its functions.
  CHECK(parse_function("gp:d=2").label == "gp:d=2");
  CHECK(parse_function("gp:d=2:ell=0.2").label == "gp:d=2:ell=0.2");
}

TEST_CASE("bad wide-prior specs name what is wrong", "[bench][gp][errors]") {
  CHECK_THROWS_WITH(parse_function("gp:d=2:ell=loguniform:0.1"),
                    Catch::Contains("ell=loguniform needs LOW:HIGH"));
  CHECK_THROWS_WITH(parse_function("gp:d=2:ell=loguniform:1:0.1"), Catch::Contains("high"));
  CHECK_THROWS_WITH(parse_function("gp:d=2:ell=loguniform:0:1"), Catch::Contains("low"));
  CHECK_THROWS_WITH(parse_function("gp:d=2:kernel=cubic"), Catch::Contains("mixed"));
  CHECK_THROWS_WITH(parse_function("gp:d=2:ell=loguniform:0.1:1:iso"), Catch::Contains("iso"));
}
