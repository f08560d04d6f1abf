// rnnopt-demo: the demos of the paper's abstract, one subcommand each.
//
//   rnnopt-demo bandit    --out demo-out/bandit      continuous correlated bandits
//   rnnopt-demo design    --out demo-out/design      experimental design with 5 parallel labs
//   rnnopt-demo repellers --out demo-out/repellers   control by direct policy search
//
// Each prints a summary table and writes summary.md, CSV files and PNG plots (gnuplot) to --out.
#include <chrono>
#include <exception>
#include <iostream>

#include "core/tool.h"
#include "demos/bandit.h"
#include "demos/design.h"
#include "demos/model_picker.h"
#include "demos/repellers_demo.h"

int main(int argc, char** argv) {
  CLI::App app{
      "rnnopt-demo: continuous correlated bandits, experimental design with parallel labs, "
      "and the repellers control task.",
      "rnnopt-demo"};
  app.require_subcommand(1);
  std::string models = rnnopt::demos::default_models_dir().string();

  rnnopt::demos::BanditConfig bandit;
  std::string bandit_out = "demo-out/bandit";
  auto* b = app.add_subcommand("bandit",
                               "continuous correlated bandits on GP samples: cumulative "
                               "regret of RNN, GP-UCB, Thompson sampling, random");
  b->add_option("--out", bandit_out, "output folder")->capture_default_str();
  b->add_option("--dim", bandit.dim, "arm dimension d (arms in [-1,1]^d)")->capture_default_str();
  b->add_option("--pulls", bandit.pulls, "pulls T per bandit")->capture_default_str();
  b->add_option("--bandits", bandit.bandits, "number of bandits")->capture_default_str();
  b->add_option("--noise", bandit.noise_sd, "reward noise standard deviation")
      ->capture_default_str();
  b->add_option("--seed", bandit.seed, "seed")->capture_default_str();
  b->add_option("--threads", bandit.threads, "worker threads")->capture_default_str();
  b->add_option("--candidates", bandit.candidates, "Thompson sampling candidate points")
      ->capture_default_str();
  b->add_option("--methods", bandit.methods, "rnn, gp-ucb, thompson, random")
      ->delimiter(',')
      ->capture_default_str();
  b->add_option("--rnn-models", bandit.max_rnn_models, "at most this many fitting RNN models")
      ->capture_default_str();
  b->add_option("--models", models, "folder of .safetensors models")->capture_default_str();

  rnnopt::demos::DesignConfig design;
  std::string design_out = "demo-out/design";
  auto* d = app.add_subcommand("design",
                               "experimental design: a simulated reaction yield, labs "
                               "working in parallel in simulated time");
  d->add_option("--out", design_out, "output folder")->capture_default_str();
  d->add_option("--labs", design.labs, "parallel labs")->capture_default_str();
  d->add_option("--budget", design.budget, "experiments per run")->capture_default_str();
  d->add_option("--runs", design.runs, "repetitions per method")->capture_default_str();
  d->add_option("--noise", design.noise_sd, "measurement noise sd, % yield")->capture_default_str();
  d->add_option("--factors", design.factors,
                "varied factors 2..5, in the order T, catalyst, B equiv, time, cA0")
      ->capture_default_str();
  d->add_option("--target", design.target, "target yield, % (0: 88% of the best known)")
      ->capture_default_str();
  d->add_option("--seed", design.seed, "seed")->capture_default_str();
  d->add_option("--threads", design.threads, "worker threads")->capture_default_str();
  d->add_option("--methods", design.methods, "rnn-parallel, rnn, rnn-1lab, spearmint, random")
      ->delimiter(',')
      ->capture_default_str();
  d->add_option("--models", models, "folder of .safetensors models")->capture_default_str();

  rnnopt::demos::RepellersConfig rep;
  std::string rep_out = "demo-out/repellers";
  auto* r = app.add_subcommand("repellers",
                               "control by direct policy search: place 2 repellers "
                               "so that falling particles reach a goal");
  r->add_option("--out", rep_out, "output folder")->capture_default_str();
  r->add_option("--budget", rep.budget, "evaluations per run")->capture_default_str();
  r->add_option("--instances", rep.instances, "instances repellers#instance-(seed+i)")
      ->capture_default_str();
  r->add_option("--seed", rep.seed, "first instance seed")->capture_default_str();
  r->add_option("--threads", rep.threads, "worker threads")->capture_default_str();
  r->add_option("--methods", rep.methods, "rnn, spearmint, spearmint-fixed, gp-ucb, sobol, random")
      ->delimiter(',')
      ->capture_default_str();
  r->add_option("--models", models, "folder of .safetensors models")->capture_default_str();

  return rnnopt::run_tool(app, argc, argv, [&] {
    const auto t0 = std::chrono::steady_clock::now();
    try {  // a bad flag value is a usage error (exit 2), found before anything runs
      if (b->parsed()) bandit.validate();
      if (d->parsed()) design.validate();
      if (r->parsed()) rep.validate();
    } catch (const std::invalid_argument& e) {
      throw rnnopt::UsageError(e.what());
    }
    if (b->parsed()) {
      bandit.out = bandit_out;
      bandit.models_dir = models;
      rnnopt::demos::run_bandit(bandit, std::cout);
      std::cout << "wrote " << bandit_out << "\n";
    } else if (d->parsed()) {
      design.out = design_out;
      design.models_dir = models;
      rnnopt::demos::run_design(design, std::cout);
      std::cout << "wrote " << design_out << "\n";
    } else if (r->parsed()) {
      rep.out = rep_out;
      rep.models_dir = models;
      rnnopt::demos::run_repellers(rep, std::cout);
      std::cout << "wrote " << rep_out << "\n";
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "took " << static_cast<int>(s + 0.5) << " s\n";
    return 0;
  });
}
