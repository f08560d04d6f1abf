// rnnopt::Model: load_model / make_model, the golden-trace replay and its mismatch error, random
// model files.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "optimizer/rnn_optimizer.h"
#include "tests/support/seed.h"

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("rnnopt_core_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

}  // namespace

TEST_CASE("A random model file round-trips through disk and replays its golden trace",
          "[optimizer][model]") {
  const auto seed = rnnopt::test::seed("random model file", 101);
  for (const std::string arch : {"lstm", "dnc"}) {
    rnnopt::RandomModelSpec spec;
    spec.architecture = arch;
    spec.d_max = 4;
    spec.dims = {2, 4};
    spec.num_layers = 2;
    spec.input_features = {"x", "y", "budget", "best_y"};
    const rnnopt::ModelFile file = rnnopt::make_random_model_file(spec, seed);
    REQUIRE(file.manifest.golden_trace.has_value());
    CHECK(file.manifest.golden_trace->d == 2);
    CHECK(static_cast<int>(file.manifest.golden_trace->queries.size()) == spec.golden_steps);
    // "mask" was added because d = 2 < d_max.
    CHECK(std::find(file.manifest.input_features.begin(), file.manifest.input_features.end(),
                    "mask") != file.manifest.input_features.end());
    const std::string path = temp_path(arch + ".safetensors");
    rnnopt::write_model_file(path, file);
    const auto model = rnnopt::load_model(path);
    CHECK(model->source() == path);
    CHECK(model->supports_dim(4));
    CHECK_FALSE(model->supports_dim(3));
    CHECK(replay_golden_trace(*model, *model->manifest().golden_trace) <= 1e-6);
    std::filesystem::remove(path);
  }
}

TEST_CASE("The same seed gives the same random model", "[optimizer][model]") {
  rnnopt::RandomModelSpec spec;
  const auto a = rnnopt::make_random_model_file(spec, 5);
  const auto b = rnnopt::make_random_model_file(spec, 5);
  const auto c = rnnopt::make_random_model_file(spec, 6);
  CHECK(a.tensors.at("head.w").data == b.tensors.at("head.w").data);
  CHECK(a.tensors.at("head.w").data != c.tensors.at("head.w").data);
  CHECK(a.manifest.golden_trace->queries == b.manifest.golden_trace->queries);
}

TEST_CASE("A damaged weight fails the golden trace with a clear ModelError", "[optimizer][model]") {
  rnnopt::RandomModelSpec spec;
  spec.hidden_size = 8;
  rnnopt::ModelFile file = rnnopt::make_random_model_file(spec, 9);
  CHECK_NOTHROW(rnnopt::make_model(file, "ok.safetensors"));

  rnnopt::ModelFile damaged = file;
  damaged.tensors.at("head.b").data[0] += 0.5f;
  CHECK_THROWS_AS(rnnopt::make_model(damaged, "bad.safetensors"), rnnopt::ModelError);
  CHECK_THROWS_WITH(rnnopt::make_model(damaged, "bad.safetensors"),
                    Catch::Contains("bad.safetensors") &&
                        Catch::Contains("golden trace mismatch") && Catch::Contains("step 1"));
  // Without verification it loads.
  CHECK_NOTHROW(rnnopt::make_model(damaged, "bad.safetensors", {.verify_golden_trace = false}));

  // A changed expected query is caught at its step.
  rnnopt::ModelFile wrong_trace = file;
  wrong_trace.manifest.golden_trace->queries[3][1] += 1e-3;
  CHECK_THROWS_WITH(rnnopt::make_model(wrong_trace, "t.safetensors"),
                    Catch::Contains("step 4") && Catch::Contains("coordinate 1"));
  // A change within the tolerance passes.
  rnnopt::ModelFile close = file;
  close.manifest.golden_trace->queries[3][1] += 1e-5;
  CHECK_NOTHROW(rnnopt::make_model(close, "t.safetensors"));

  // No trace at all: rejected when verifying.
  rnnopt::ModelFile no_trace = file;
  no_trace.manifest.golden_trace.reset();
  CHECK_THROWS_WITH(rnnopt::make_model(no_trace, "n.safetensors"),
                    Catch::Contains("no golden_trace"));
}

TEST_CASE("load_model reports a missing file as ModelError", "[optimizer][model]") {
  CHECK_THROWS_AS(rnnopt::load_model("/nonexistent/model.safetensors"), rnnopt::ModelError);
}

TEST_CASE("RandomModelSpec::validate rejects impossible sizes", "[optimizer][model]") {
  rnnopt::RandomModelSpec spec;
  spec.architecture = "gru";
  CHECK_THROWS_WITH(spec.validate(), Catch::Contains("RandomModelSpec::validate()") &&
                                         Catch::Contains("architecture"));
  spec = {};
  spec.dims = {3};
  CHECK_THROWS_WITH(spec.validate(), Catch::Contains("dim"));
  spec = {};
  spec.golden_steps = 0;
  CHECK_THROWS_AS(spec.validate(), std::invalid_argument);
}
