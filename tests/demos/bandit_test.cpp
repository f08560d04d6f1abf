#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "demos/bandit.h"
#include "demos/common.h"
#include "demos/model_picker.h"
#include "tests/demos/demo_test_util.h"
#include "tests/support/conformance.h"

using rnnopt::test::TempDir;

TEST_CASE("model picker: fitting dimension, preferred loss, parallel, bad files skipped") {
  TempDir dir;
  rnnopt::test::write_random_model(dir.path() / "a-oi.safetensors", 2, {2}, "oi", 1, 1);
  rnnopt::test::write_random_model(dir.path() / "b-sum.safetensors", 2, {2}, "sum", 1, 2);
  rnnopt::test::write_random_model(dir.path() / "c-par.safetensors", 3, {3}, "oi", 5, 3);
  rnnopt::test::write_random_model(dir.path() / "d-masked.safetensors", 4, {1, 2, 3, 4}, "", 1, 4);
  rnnopt::demos::write_text_atomic(dir.path() / "bad.safetensors", "not a model");

  rnnopt::demos::ModelQuery q;
  q.dim = 2;
  q.prefer_loss = "sum";
  auto pick = rnnopt::demos::pick_model(dir.path(), q);
  REQUIRE(pick.model);
  CHECK(pick.path.filename() == "b-sum.safetensors");
  CHECK(pick.loss == "sum");
  REQUIRE(pick.skipped.size() == 1);
  CHECK(pick.skipped[0].rfind("bad.safetensors", 0) == 0);

  q.prefer_loss = "oi";
  CHECK(rnnopt::demos::pick_model(dir.path(), q).path.filename() == "a-oi.safetensors");

  q.dim = 3;
  q.prefer_loss.clear();
  q.require_parallel = true;
  pick = rnnopt::demos::pick_model(dir.path(), q);
  REQUIRE(pick.model);
  CHECK(pick.path.filename() == "c-par.safetensors");

  q.dim = 1;
  pick = rnnopt::demos::pick_model(dir.path(), q);
  CHECK_FALSE(pick.model);
  CHECK(pick.message.find("no shipped parallel RNN model for d=1") == 0);

  q.require_parallel = false;
  q.require_sequential = true;
  CHECK(rnnopt::demos::pick_model(dir.path(), q).path.filename() == "d-masked.safetensors");
  CHECK_FALSE(rnnopt::demos::pick_model(dir.path() / "missing", q).model);

  // All fitting models, best first: the summed-loss one, then the other d=2 model, then masked.
  q = {};
  q.dim = 2;
  q.prefer_loss = "sum";
  std::vector<std::string> skipped;
  std::string message;
  const auto all = rnnopt::demos::pick_models(dir.path(), q, 10, &skipped, &message);
  REQUIRE(all.size() == 3u);
  CHECK(all[0].label == "rnn:b-sum");
  CHECK(all[1].label == "rnn:a-oi");
  CHECK(all[2].label == "rnn:d-masked");
  CHECK(message.empty());
  CHECK(skipped.size() == 1u);
  CHECK(rnnopt::demos::pick_models(dir.path(), q, 2, nullptr, nullptr).size() == 2u);
}

TEST_CASE("bandit demo at a tiny size: files well formed, GP methods beat random") {
  TempDir out, models;  // models: empty, so the RNN row is skipped with one line
  rnnopt::demos::BanditConfig c;
  c.dim = 1;
  c.pulls = 15;
  c.bandits = 6;
  c.seed = 3;
  c.candidates = 100;
  c.methods = {"rnn", "gp-ucb", "thompson", "random"};
  c.models_dir = models.path();
  c.out = out.path() / "bandit";
  std::ostringstream log;
  const auto r = rnnopt::demos::run_bandit(c, log);
  CHECK(log.str().find("no shipped RNN model for d=1") != std::string::npos);
  REQUIRE(r.methods.size() == 3);
  for (const auto& m : r.methods) {
    REQUIRE(m.cumulative.size() == 6u);
    for (const auto& curve : m.cumulative) {
      REQUIRE(curve.size() == 15u);
      for (std::size_t t = 1; t < curve.size(); ++t) {
        REQUIRE(std::isfinite(curve[t]));
        REQUIRE(curve[t] >= curve[t - 1]);  // regret is never negative
      }
    }
  }
  auto mean_final = [&](int k) {
    double s = 0.0;
    for (const auto& curve : r.methods[k].cumulative) s += curve.back();
    return s / 6.0;
  };
  // On this fixed set, the GP methods (given the true prior) lose far less than random arms.
  CHECK(r.methods[0].name == "gp-ucb");
  CHECK(mean_final(0) < 0.7 * mean_final(2));
  CHECK(mean_final(1) < 0.7 * mean_final(2));

  const auto lines = rnnopt::test::read_lines(c.out / "bandit_regret.csv");
  REQUIRE(lines.size() == 16u);
  for (const auto& l : lines) CHECK(rnnopt::test::count_fields(l) == 1 + 3 * 3);
  const std::string md = rnnopt::test::read_text(c.out / "summary.md");
  CHECK(md.find("| gp-ucb") != std::string::npos);
  CHECK(md.find("| random") != std::string::npos);
  CHECK(r.table.find("thompson") != std::string::npos);
  if (!rnnopt::demos::png_terminal(10, 10).empty()) {
    CHECK(rnnopt::test::is_png(c.out / "bandit_regret.png"));
  }
}

TEST_CASE("bandit demo: an RNN model that fits is used; bad options are rejected") {
  TempDir out, models;
  rnnopt::test::write_random_model(models.path() / "lstm-sum-d1.safetensors", 1, {1}, "sum", 1, 9);
  rnnopt::test::write_random_model(models.path() / "lstm-oi-d1.safetensors", 1, {1}, "oi", 1, 10);
  rnnopt::demos::BanditConfig c;
  c.dim = 1;
  c.pulls = 5;
  c.bandits = 2;
  c.methods = {"rnn", "random"};
  c.models_dir = models.path();
  std::ostringstream log;
  const auto r = rnnopt::demos::run_bandit(c, log);
  REQUIRE(r.methods.size() == 3);
  CHECK(r.methods[0].name == "rnn:lstm-sum-d1");
  CHECK(r.methods[1].name == "rnn:lstm-oi-d1");
  CHECK(log.str().find("(loss sum)") != std::string::npos);

  c.methods = {"bogus"};
  CHECK_THROWS_WITH(rnnopt::demos::run_bandit(c, log), Catch::Contains("unknown method 'bogus'"));
  c.methods = {"random"};
  c.pulls = 1;
  CHECK_THROWS_WITH(rnnopt::demos::run_bandit(c, log), Catch::Contains("--pulls"));
}
