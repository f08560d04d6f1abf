#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/quality/file_io.h"
#include "bench_test_util.h"
#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"

using namespace rnnopt::bench;
namespace fs = std::filesystem;

namespace {

// A random-weights LSTM model "tiny-d2" for d = 2 with the given training horizon, in dir.
fs::path write_tiny_d2_model(const fs::path& dir, int horizon) {
  rnnopt::RandomModelSpec spec;
  spec.name = "tiny-d2";
  spec.d_max = 2;
  spec.hidden_size = 8;
  spec.horizon = horizon;
  const fs::path model = dir / "tiny-d2.safetensors";
  rnnopt::write_model_file(model.string(), rnnopt::make_random_model_file(spec, 5));
  return model;
}

}  // namespace

TEST_CASE("an RNN model runs where it supports the dimension and is skipped elsewhere",
          "[bench][run][rnn]") {
  test::ScratchDir dir("rnn");
  const fs::path model = write_tiny_d2_model(dir.path(), 10);

  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(
      {"--optimizers", "rnn:" + model.string() + ",random", "--functions", "branin,hartmann3",
       "--instances", "2", "--horizons", "8", "--quiet", "--no-plots", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.err, Catch::Contains("not run: rnn:tiny-d2 on hartmann3"));
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  int rnn_rows = 0;
  for (const auto& row : s["results"]) {
    if (row["optimizer"] == "rnn:tiny-d2") {
      ++rnn_rows;
      CHECK(row["function"] == "branin");
      CHECK(row["n"] == 2);
    }
  }
  CHECK(rnn_rows == 1);
  CHECK(s["skipped"].size() == 1);
  const std::string report = read_file(out / "report.md");
  CHECK_THAT(report, Catch::Contains("Not run") && Catch::Contains("supports d in {2}"));
}

TEST_CASE("rnn-restart: and rnn-continue: run a model past its horizon with either policy",
          "[bench][run][rnn]") {
  test::ScratchDir dir("rnn-restart");
  const fs::path model = write_tiny_d2_model(dir.path(), 5);
  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(
      {"--optimizers", "rnn-restart:" + model.string() + ",rnn-continue:" + model.string(),
       "--functions", "branin", "--instances", "2", "--horizons", "5,20", "--quiet", "--no-plots",
       "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  std::set<std::string> labels;
  for (const auto& row : s["results"]) labels.insert(row["optimizer"].get<std::string>());
  CHECK(labels.count("rnn-restart:tiny-d2") == 1);
  CHECK(labels.count("rnn-continue:tiny-d2") == 1);
  // The two policies agree up to the horizon and differ after it.
  std::map<std::string, std::vector<double>> xs;
  std::istringstream trace(read_file(out / "trace.jsonl"));
  for (std::string line; std::getline(trace, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["instance"] == 0 && j["seed"] == 1000) {
      xs[j["optimizer"].get<std::string>()].push_back(j["x"][0].get<double>());
    }
  }
  const auto& a = xs["rnn-restart:tiny-d2"];
  const auto& b = xs["rnn-continue:tiny-d2"];
  REQUIRE(a.size() == 20);
  REQUIRE(b.size() == 20);
  for (int t = 0; t < 5; ++t) CHECK(a[t] == b[t]);
  bool differ = false;
  for (int t = 5; t < 20; ++t) differ = differ || a[t] != b[t];
  CHECK(differ);
}
