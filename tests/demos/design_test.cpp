#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <sstream>

#include "baselines/random_search.h"
#include "demos/common.h"
#include "demos/design.h"
#include "demos/reaction.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/demos/demo_test_util.h"

using rnnopt::test::TempDir;

TEST_CASE("reaction yield: bounded, interior optimum in temperature and catalyst") {
  const rnnopt::demos::ReactionYield reaction;
  Eigen::VectorXd good(5), hot(5), lazy(5);
  // Coordinates: T, catalyst, B equivalents, time, cA0.
  good << 50.0, 1.3, 3.0, 12.0, 1.9;
  hot << 120.0, 1.3, 3.0, 12.0, 1.9;  // degradation and side reactions win
  lazy << 40.0, 0.5, 0.8, 0.5, 0.2;   // cold, short, dilute: almost nothing reacts
  CHECK(reaction.yield(good) > 70.0);
  CHECK(reaction.yield(hot) < 0.5 * reaction.yield(good));
  CHECK(reaction.yield(lazy) < 5.0);
  Eigen::VectorXd more_cat = good;
  more_cat(1) = 10.0;  // the catalysed over-reaction eats the product
  CHECK(reaction.yield(more_cat) < reaction.yield(good) - 5.0);
  const double best = reaction.best_known();
  CHECK(best > 72.0);
  CHECK(best < 80.0);
  rnnopt::Rng rng(11);
  for (int i = 0; i < 300; ++i) {
    Eigen::VectorXd x(5);
    for (int j = 0; j < 5; ++j) x(j) = rng.uniform(reaction.lower()(j), reaction.upper()(j));
    const double y = reaction.yield(x);
    REQUIRE(std::isfinite(y));
    REQUIRE(y >= -1e-9);
    REQUIRE(y <= best + 1e-6);
  }
}

TEST_CASE("reaction yield with 2 factors: temperature and catalyst, interior optimum") {
  const rnnopt::demos::ReactionYield two(2);
  CHECK(two.dim() == 2);
  CHECK(two.factor_name(0) == "T [degC]");
  CHECK(two.factor_name(1) == "catalyst [mol%]");
  Eigen::VectorXd x(2);
  x << 60.0, 2.0;  // the held operating point
  const rnnopt::demos::ReactionYield five;
  Eigen::VectorXd held(5);
  held << 60.0, 2.0, 2.5, 8.0, 1.5;
  CHECK(two.yield(x) == five.yield(held));
  const double best = two.best_known();
  CHECK(best < five.best_known());
  // The optimum is interior: every corner of the box is clearly worse.
  for (double t : {40.0, 120.0}) {
    for (double l : {0.5, 10.0}) {
      x << t, l;
      CHECK(two.yield(x) < best - 3.0);
    }
  }
  CHECK_THROWS_WITH(rnnopt::demos::ReactionYield(6), Catch::Contains("2..5"));
}

TEST_CASE("parallel labs: random unequal durations, results out of submission order") {
  const rnnopt::demos::ReactionYield reaction;
  rnnopt::baselines::RandomSearch opt(rnnopt::Box{reaction.lower(), reaction.upper()}, 4);
  const auto done = rnnopt::demos::run_labs(opt, reaction, 5, 30, 1.0, 17);
  REQUIRE(done.size() == 30u);
  REQUIRE(opt.history().size() == 30u);
  std::set<int> submitted;
  std::set<double> durations;
  bool out_of_order = false;
  for (std::size_t i = 0; i < done.size(); ++i) {
    const auto& e = done[i];
    CHECK(e.completed == static_cast<int>(i));
    submitted.insert(e.submitted);
    durations.insert(e.finish_h - e.start_h);
    // A duration is the reaction time + 1 h set-up + a random queue.
    CHECK(e.finish_h - e.start_h > reaction.full_point(e.x)(1) + 1.0);
    if (e.submitted != static_cast<int>(i)) out_of_order = true;
    if (i > 0) CHECK(e.finish_h >= done[i - 1].finish_h);
    CHECK(e.lab >= 0);
    CHECK(e.lab < 5);
    // What the optimizer saw, in arrival order.
    CHECK(opt.history()[i].y == -e.measured);
  }
  CHECK(submitted.size() == 30u);
  CHECK(durations.size() == 30u);
  CHECK(out_of_order);
  // A lab runs one experiment at a time, and the first 5 start at once.
  for (int lab = 0; lab < 5; ++lab) {
    std::vector<std::pair<double, double>> spans;
    for (const auto& e : done) {
      if (e.lab == lab) spans.push_back({e.start_h, e.finish_h});
    }
    std::sort(spans.begin(), spans.end());
    REQUIRE_FALSE(spans.empty());
    CHECK(spans.front().first == 0.0);
    for (std::size_t k = 1; k < spans.size(); ++k) CHECK(spans[k].first == spans[k - 1].second);
  }
}

TEST_CASE("design demo at a tiny size: parallel RNN via propose_batch, files well formed") {
  TempDir out, models;
  rnnopt::test::write_random_model(models.path() / "par-d5.safetensors", 5, {5}, "oi", 5, 21);
  rnnopt::test::write_random_model(models.path() / "seq-d5.safetensors", 5, {5}, "oi", 1, 22);
  rnnopt::demos::DesignConfig c;
  c.budget = 8;
  c.runs = 2;
  c.target = 30.0;
  c.methods = {"rnn-parallel", "rnn", "rnn-1lab", "random"};
  c.models_dir = models.path();
  c.out = out.path() / "design";
  std::ostringstream log;
  const auto r = rnnopt::demos::run_design(c, log);
  REQUIRE(r.methods.size() == 4);
  CHECK(r.methods[0].name == "rnn:par-d5 parallel");
  CHECK(r.methods[2].labs == 1);
  for (const auto& m : r.methods) {
    REQUIRE(m.runs.size() == 2u);
    for (const auto& run : m.runs) REQUIRE(run.size() == 8u);
    for (double b : m.best_final) CHECK(std::isfinite(b));
  }
  // One lab: each experiment starts when the previous one ends, in submission order.
  for (const auto& run : r.methods[2].runs) {
    for (std::size_t k = 1; k < run.size(); ++k) {
      CHECK(run[k].submitted == static_cast<int>(k));
      CHECK(run[k].start_h == run[k - 1].finish_h);
    }
  }
  const auto lines = rnnopt::test::read_lines(c.out / "design_best_vs_experiments.csv");
  REQUIRE(lines.size() == 9u);
  for (const auto& l : lines) CHECK(rnnopt::test::count_fields(l) == 1 + 3 * 4);
  const auto sched = rnnopt::test::read_lines(c.out / "design_schedule.csv");
  CHECK(sched.size() == 1u + 4 * 2 * 8);
  const std::string md = rnnopt::test::read_text(c.out / "summary.md");
  CHECK(md.find("| rnn:par-d5 parallel") != std::string::npos);
  CHECK(md.find("reached target") != std::string::npos);
  if (!rnnopt::demos::png_terminal(10, 10).empty()) {
    CHECK(rnnopt::test::is_png(c.out / "design_best_vs_experiments.png"));
    CHECK(rnnopt::test::is_png(c.out / "design_best_vs_hours.png"));
  }

  // Without a parallel model the row is skipped with one line.
  TempDir empty;
  c.models_dir = empty.path();
  c.methods = {"rnn-parallel", "random"};
  c.out.clear();
  std::ostringstream log2;
  const auto r2 = rnnopt::demos::run_design(c, log2);
  CHECK(r2.methods.size() == 1);
  CHECK(log2.str().find("no shipped parallel RNN model for d=5") != std::string::npos);

  // With 2 factors a d=2 parallel model fits; the default target is 88% of the best known.
  rnnopt::test::write_random_model(empty.path() / "par-d2.safetensors", 2, {2}, "oi", 5, 23);
  c.factors = 2;
  std::ostringstream log3;
  const auto r3 = rnnopt::demos::run_design(c, log3);
  REQUIRE(r3.methods.size() == 2);
  CHECK(r3.methods[0].name == "rnn:par-d2 parallel");
  CHECK(r3.target == 30.0);
  c.target = 0.0;
  CHECK(rnnopt::demos::run_design(c, log3).target == Approx(0.88 * r3.best_known));
  c.factors = 6;
  CHECK_THROWS_WITH(rnnopt::demos::run_design(c, log3), Catch::Contains("--factors"));
}
