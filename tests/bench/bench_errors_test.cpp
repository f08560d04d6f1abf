#include <catch2/catch.hpp>
#include <fstream>

#include "bench/quality/cli.h"
#include "bench_test_util.h"

using namespace rnnopt::bench;
namespace fs = std::filesystem;

namespace {

// Runs the command line expecting a usage error: one line on stderr, exit 2, no output folder.
std::string usage_error(std::vector<std::string> args, const fs::path& out) {
  args.push_back("--out");
  args.push_back(out.string());
  args.push_back("--quiet");
  const test::CliResult r = test::run_cli(args);
  INFO(r.err);
  CHECK(r.code == kExitUsage);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.rfind("rnnopt-bench: error: ", 0) == 0);
  CHECK_FALSE(fs::exists(out));
  return r.err;
}

}  // namespace

TEST_CASE("bad command lines give one clear line and write nothing", "[bench][errors]") {
  test::ScratchDir dir("errors");
  const fs::path out = dir.path() / "never";
  CHECK_THAT(usage_error({"--bogus"}, out), Catch::Contains("--bogus"));
  CHECK_THAT(usage_error({"--optimizers", "random,nelder-mead"}, out),
             Catch::Contains("unknown optimizer 'nelder-mead'") && Catch::Contains("spearmint"));
  CHECK_THAT(usage_error({"--functions", "branin,rastrigin"}, out),
             Catch::Contains("unknown function 'rastrigin'") && Catch::Contains("hartmann6"));
  CHECK_THAT(usage_error({"--functions", "gp:d=0"}, out), Catch::Contains("gp:d=0"));
  CHECK_THAT(usage_error({"--functions", "gp:d=2:ell=x"}, out), Catch::Contains("not a number"));
  CHECK_THAT(usage_error({"--horizons", "10,0"}, out), Catch::Contains("--horizons"));
  CHECK_THAT(usage_error({"--seeds", "9-3"}, out), Catch::Contains("'9-3' is empty"));
  CHECK_THAT(usage_error({"--optimizers", "random,random"}, out), Catch::Contains("twice"));
  CHECK_THAT(usage_error({"--preset", "huge"}, out), Catch::Contains("quick or paper"));
  CHECK_THAT(
      usage_error({"--optimizers", "rnn:" + (dir.path() / "none.safetensors").string()}, out),
      Catch::Contains("cannot load model") && Catch::Contains("none.safetensors"));
  const fs::path garbage = dir.path() / "garbage.safetensors";
  std::ofstream(garbage) << "this is not a safetensors file";
  CHECK_THAT(usage_error({"--optimizers", "rnn:" + garbage.string()}, out),
             Catch::Contains("garbage.safetensors"));
}

TEST_CASE("--help documents every flag", "[bench][errors]") {
  const test::CliResult r = test::run_cli({"--help"});
  CHECK(r.code == kExitOk);
  for (const char* flag :
       {"--optimizers", "--functions", "--instances", "--horizons", "--seeds", "--jobs", "--out",
        "--preset", "--workers", "--gp-instances", "--gp-optimizer-instances", "--spearmint-cost",
        "--plot-stat", "--quiet", "--no-plots"}) {
    CHECK_THAT(r.out, Catch::Contains(flag));
  }
}

TEST_CASE("seed and horizon lists parse ranges and reject junk", "[bench][errors]") {
  CHECK(parse_seed_list("1000-1003,7") == std::vector<std::uint64_t>{1000, 1001, 1002, 1003, 7});
  CHECK(parse_int_list("25, 50,100", "--horizons") == std::vector<int>{25, 50, 100});
  CHECK_THROWS_WITH(parse_seed_list("1,,2"), Catch::Contains("empty item"));
  CHECK_THROWS_WITH(parse_seed_list("a-3"), Catch::Contains("'a'"));
  CHECK_THROWS_WITH(parse_int_list("5x", "--horizons"), Catch::Contains("--horizons"));
}
