// The acquisition-head trainer (meta_train/acq_trainer.h): the Eigen engine proposes what the
// Torch module proposes (same candidates, scores to float tolerance); an interrupted and resumed
// run ends with the same weights; checkpoints are by tensor name and refuse another network; the
// config round-trips and rejects unknown fields.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "meta_train/acq_config.h"
#include "meta_train/acq_run.h"
#include "meta_train/acq_trainer.h"
#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/support/seed.h"

namespace {

namespace fs = std::filesystem;

rnnopt::train::AcqTrainConfig small_config(std::uint64_t seed) {
  rnnopt::train::AcqTrainConfig c;
  c.name = "acq-test";
  c.seed = seed;
  c.d = 2;
  c.hidden_size = 12;
  c.acquisition.head_width = 10;
  c.acquisition.uniform_candidates = 40;
  c.acquisition.local_candidates = 8;
  c.acquisition.kernels = {{"rbf", 0.3}, {"matern52", 0.6}};
  c.prior.num_features = 64;
  c.batch_size = 4;
  c.horizon = 8;
  c.steps = 10;
  c.validation_functions = 2;
  c.validation_horizon = 8;
  c.lr = 0.02;
  c.teacher_share_start = 0.5;
  return c;
}

fs::path temp_dir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("rnnopt-acq-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("Acquisition head: the Eigen engine proposes what the Torch module proposes",
          "[torch][acq]") {
  const auto seed = rnnopt::test::seed("acq parity", 41);
  rnnopt::train::AcqTrainConfig config = small_config(seed);
  SECTION("plain features") {}
  SECTION("with the evidence features and the evidence head start") {
    config.acquisition.evidence = true;
    config.head_init = "evidence";
  }
  rnnopt::train::AcqTrainer trainer(config, 1);
  for (int i = 0; i < 3; ++i) trainer.train_step();
  const rnnopt::ModelFile file = trainer.export_model({});
  REQUIRE(file.manifest.golden_trace);
  // load_model's own check: the engine replays the trace it recorded.
  const auto model = rnnopt::make_model(file, "exported");
  std::vector<double> scores;
  const auto torch_queries = trainer.rollout_queries(16, &scores);
  const rnnopt::GoldenTrace& g = *file.manifest.golden_trace;
  REQUIRE(torch_queries.size() == g.queries.size());
  REQUIRE(scores.size() == g.scores.size());
  for (std::size_t t = 0; t < g.queries.size(); ++t) {
    for (int j = 0; j < 2; ++j) CHECK(torch_queries[t][j] == Approx(g.queries[t][j]).margin(1e-12));
    if (t > 0) CHECK(scores[t - 1] == Approx(g.scores[t - 1]).epsilon(1e-4).margin(1e-5));
  }
  // And through RnnOptimizer on the canonical box with the same feedback.
  rnnopt::RnnOptimizer opt(model, rnnopt::Box::canonical(2), {}, 0);
  for (std::size_t t = 0; t < g.queries.size(); ++t) {
    const Eigen::VectorXd x = opt.propose();
    CHECK(x[0] == Approx(torch_queries[t][0]).margin(1e-12));
    opt.observe(x, g.y[t]);
  }
}

TEST_CASE("The evidence head start makes the untrained model the bank's evidence-weighted EI",
          "[torch][acq]") {
  const auto seed = rnnopt::test::seed("acq evidence init", 43);
  rnnopt::train::AcqTrainConfig config = small_config(seed);
  config.acquisition.evidence = true;
  config.validation_functions = 24;
  config.validation_horizon = 25;
  rnnopt::train::AcqTrainer random_start(config, 1);
  config.head_init = "evidence";
  rnnopt::train::AcqTrainer evidence_start(config, 1);
  const auto at25 = [](const rnnopt::train::AcqValidation& v) { return v.mean.back(); };
  const double untrained = at25(random_start.validate("model"));
  const double started = at25(evidence_start.validate("model"));
  const double mixture = at25(evidence_start.validate("bank:2"));
  const double random = at25(evidence_start.validate("random"));
  INFO("t = 25: random-start model " << untrained << ", evidence-start model " << started
                                     << ", evidence mixture " << mixture << ", random " << random);
  // Untrained, the evidence start is close to its mixture policy and far from random search.
  CHECK(started < 0.5 * random);
  CHECK(started < 0.5 * untrained);
  CHECK(std::abs(started - mixture) < 0.25 * random);
  // The fitted-kernel start (the other head units silent) is its policy, up to float ties.
  {
    auto fitted = config;
    fitted.acquisition.fitted = true;
    fitted.head_init = "fitted";
    // Standardised values, as the shipped fitted models use (with rank values this small
    // fitted GP-EI was worse than random search here, 0.97 against 0.80: not understood yet).
    fitted.values = "standard";
    rnnopt::train::AcqTrainer fitted_start(fitted, 1);
    const double model = at25(fitted_start.validate("model"));
    const double policy = at25(fitted_start.validate("bank:3"));  // 2 kernels, evidence, fitted
    const double fitted_random = at25(fitted_start.validate("random"));
    INFO("fitted start " << model << ", fitted GP-EI " << policy << ", random " << fitted_random);
    CHECK(std::abs(model - policy) <= 0.02 * fitted_random);
    CHECK(model < 0.5 * fitted_random);
    CHECK_THROWS_WITH(fitted_start.validate("bank:4"), Catch::Contains("no reference kernel"));
    fitted.acquisition.fitted = false;
    CHECK_THROWS_WITH(rnnopt::train::AcqTrainer(fitted, 1), Catch::Contains("acquisition.fitted"));
  }
  // head_init evidence needs the evidence features.
  config.acquisition.evidence = false;
  CHECK_THROWS_WITH(rnnopt::train::AcqTrainer(config, 1), Catch::Contains("acquisition.evidence"));
}

TEST_CASE("Acquisition trainer: an interrupted and resumed run ends with the same weights",
          "[torch][acq]") {
  const auto seed = rnnopt::test::seed("acq resume", 43);
  const fs::path dir = temp_dir("resume");
  const auto config = small_config(seed);
  rnnopt::train::AcqTrainer straight(config, 1);
  for (int i = 0; i < 4; ++i) straight.train_step();
  {
    rnnopt::train::AcqTrainer first(config, 1);
    for (int i = 0; i < 2; ++i) first.train_step();
    first.save_checkpoint((dir / "ck.pt").string());
  }
  rnnopt::train::AcqTrainer resumed(config, 1);
  resumed.load_checkpoint((dir / "ck.pt").string());
  CHECK(resumed.iteration() == 2);
  for (int i = 0; i < 2; ++i) resumed.train_step();
  const auto a = straight.export_model({});
  const auto b = resumed.export_model({});
  for (const auto& [name, t] : a.tensors) {
    INFO(name);
    CHECK(t.data == b.tensors.at(name).data);
  }
  fs::remove_all(dir);
}

TEST_CASE("Acquisition checkpoints are by name and refuse another network", "[torch][acq]") {
  const fs::path dir = temp_dir("names");
  auto config = small_config(3);
  rnnopt::train::AcqTrainer a(config, 1);
  a.save_checkpoint((dir / "ck.pt").string());
  config.hidden_size = 14;
  rnnopt::train::AcqTrainer wider(config, 1);
  CHECK_THROWS_WITH(wider.load_checkpoint((dir / "ck.pt").string()),
                    Catch::Contains("param.lstm.0.w_ih has shape [48, 5], the network expects "
                                    "[56, 5]"));
  config = small_config(3);
  config.num_layers = 2;
  rnnopt::train::AcqTrainer deeper(config, 1);
  CHECK_THROWS_WITH(deeper.load_checkpoint((dir / "ck.pt").string()),
                    Catch::Contains("lacks tensor") && Catch::Contains("lstm.1."));
  CHECK_THROWS_WITH(a.load_checkpoint((dir / "missing.pt").string()),
                    Catch::Contains("cannot read"));
  fs::remove_all(dir);
}

TEST_CASE("Acquisition configs round-trip and reject unknown fields", "[torch][acq][config]") {
  const auto c = small_config(5);
  const nlohmann::json j = rnnopt::train::acq_config_to_json(c);
  CHECK(rnnopt::train::is_acquisition_config(j));
  const auto back = rnnopt::train::acq_config_from_json(j);
  CHECK(rnnopt::train::acq_config_to_json(back) == j);
  nlohmann::json bad = j;
  bad["acquisition"]["neighbors"] = 2;
  CHECK_THROWS_WITH(rnnopt::train::acq_config_from_json(bad),
                    Catch::Contains("unknown field 'acquisition.neighbors'"));
  bad = j;
  bad["temperature"] = -1.0;
  CHECK_THROWS_WITH(rnnopt::train::acq_config_from_json(bad), Catch::Contains("temperature"));
  bad = j;
  bad["acquisition"]["kernels"][0]["kind"] = "cubic";
  CHECK_THROWS_WITH(rnnopt::train::acq_config_from_json(bad), Catch::Contains("cubic"));
  // The wide prior: a kernel drawn per function, length-scales per function and dimension.
  nlohmann::json wide = j;
  wide["prior"]["kernel"] = "mixed";
  wide["prior"]["length_scale"] = {{"kind", "loguniform"}, {"low", 0.1}, {"high", 1.0},
                                   {"per_dimension", true}};
  const auto w = rnnopt::train::acq_config_from_json(wide);
  CHECK(w.prior.mixed_kernel);
  CHECK(w.prior.length_scale.per_dimension);
  CHECK(rnnopt::train::acq_config_to_json(w) == wide);
  bad = j;
  bad["prior"]["kernel"] = "cubic";
  CHECK_THROWS_WITH(rnnopt::train::acq_config_from_json(bad),
                    Catch::Contains("prior.kernel") && Catch::Contains("mixed"));
}

TEST_CASE("A run keeps its best validated checkpoint, and resuming keeps the same one",
          "[torch][acq]") {
  const auto seed = rnnopt::test::seed("acq best", 47);
  const fs::path dir = temp_dir("best");
  auto config = small_config(seed);
  config.steps = 8;
  config.validate_every = 2;
  config.checkpoint_every = 2;
  const nlohmann::json doc = rnnopt::train::acq_config_to_json(config);
  // The best model validation in the metrics, by the mean over horizons of log mean regret.
  auto best_in = [](const fs::path& metrics) {
    std::ifstream in(metrics);
    std::string line;
    int best_it = -1;
    double best = 0.0;
    int validations = 0;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);
      if (j.value("type", "") != "validation" || j.value("policy", "") != "model") continue;
      ++validations;
      double s = 0.0;
      for (double m : j["mean"]) s += std::log(std::max(m, 1e-12));
      s /= static_cast<double>(j["mean"].size());
      if (best_it < 0 || s < best) best_it = j["iteration"].get<int>(), best = s;
    }
    CHECK(validations == 5);  // iterations 0, 2, 4, 6, 8
    return best_it;
  };
  rnnopt::train::AcqRunOptions straight;
  straight.run_dir = (dir / "straight").string();
  straight.config = doc;
  REQUIRE(rnnopt::train::run_acquisition_training(straight) == 0);
  const int best_it = best_in(dir / "straight" / "metrics.jsonl");
  const auto info = nlohmann::json::parse(std::ifstream(dir / "straight" / "best.json"));
  CHECK(info["iteration"].get<int>() == best_it);
  const auto exported = rnnopt::train::export_acquisition_run(straight.run_dir, "b", {}, true);
  CHECK(nlohmann::json::parse(exported.manifest.training_json)["iteration"] == best_it);
  {
    rnnopt::train::AcqTrainer t(config, 1);
    t.load_checkpoint((dir / "straight" / "best.pt").string());
    CHECK(t.iteration() == best_it);
  }
  // Stopped after 3 iterations (checkpointed at 3) and resumed: the same best checkpoint.
  rnnopt::train::AcqRunOptions first;
  first.run_dir = (dir / "resumed").string();
  first.config = doc;
  int calls = 0;
  first.stop = [&calls] { return ++calls == 3; };
  CHECK(rnnopt::train::run_acquisition_training(first) == 2);
  rnnopt::train::AcqRunOptions again;
  again.run_dir = first.run_dir;
  again.resume = true;
  CHECK(rnnopt::train::run_acquisition_training(again) == 0);
  CHECK(best_in(dir / "resumed" / "metrics.jsonl") == best_it);
  const auto a = rnnopt::train::export_acquisition_run(straight.run_dir, "b", {}, true);
  const auto b = rnnopt::train::export_acquisition_run(again.run_dir, "b", {}, true);
  for (const auto& [name, t] : a.tensors) {
    INFO(name);
    CHECK(t.data == b.tensors.at(name).data);
  }
  CHECK_THROWS_WITH(rnnopt::train::export_acquisition_run((dir / "none").string(), "b", {}, true),
                    Catch::Contains("config.json"));
  fs::remove_all(dir);
}

TEST_CASE("steps 0 checkpoints the head start: the export equals an untrained trainer's model",
          "[torch][acq]") {
  const auto seed = rnnopt::test::seed("acq steps 0", 53);
  const fs::path dir = temp_dir("steps0");
  auto config = small_config(seed);
  config.acquisition.evidence = true;
  config.acquisition.fitted = true;
  config.head_init = "fitted";
  config.steps = 0;
  rnnopt::train::AcqRunOptions o;
  o.run_dir = (dir / "run").string();
  o.config = rnnopt::train::acq_config_to_json(config);
  REQUIRE(rnnopt::train::run_acquisition_training(o) == 0);
  const auto exported = rnnopt::train::export_acquisition_run(o.run_dir, "h", {}, false);
  CHECK(nlohmann::json::parse(exported.manifest.training_json)["iteration"] == 0);
  rnnopt::train::AcqTrainer fresh(config, 1);
  const auto want = fresh.export_model({});
  REQUIRE(exported.tensors.size() == want.tensors.size());
  for (const auto& [name, t] : want.tensors) {
    INFO(name);
    CHECK(exported.tensors.at(name).data == t.data);
  }
  config.steps = -1;
  CHECK_THROWS_WITH(config.validate(), Catch::Contains("steps must be >= 0"));
}
