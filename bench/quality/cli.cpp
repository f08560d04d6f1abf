#include "bench/quality/cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bench/quality/plots.h"
#include "bench/quality/report.h"
#include "bench/quality/summary.h"
#include "core/durable_file.h"
#include "core/tool.h"

namespace rnnopt::bench {
namespace {

std::string join_command(int argc, const char* const* argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i == 0) a = std::filesystem::path(a).filename().string();
    const bool plain = !a.empty() && a.find_first_of(" \t'\"$`\\|&;<>()*?") == std::string::npos;
    s += (i ? " " : "") + (plain ? a : "'" + a + "'");
  }
  return s;
}

int default_jobs() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

int bench_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "rnnopt-bench: quality benchmark of black-box optimizers across horizons.\n"
      "Runs every optimizer on every function instance with every seed up to the largest horizon,\n"
      "appends one JSON line per evaluation to DIR/trace.jsonl (resumable: runs already there are\n"
      "skipped), then writes DIR/summary.json, DIR/report.md and DIR/regret_*.png and prints the\n"
      "summary table. Flags given explicitly override the preset's.",
      "rnnopt-bench"};
  std::string optimizers, functions, seeds, horizons, preset, plot_stat = "mean";
  std::string out_dir = "out/bench";
  int instances = 10, gp_instances = -1, gp_optimizer_instances = -1, jobs = default_jobs();
  int workers = 1;
  std::string spearmint_cost;
  bool quiet = false, no_plots = false;
  app.add_option("--optimizers", optimizers,
                 "Comma-separated optimizers: rnn:PATH.safetensors (a model file; shipped ones in "
                 "models/; append :segment=N to restart every N network steps, :shrink=X for "
                 "the restart box's width factor, default 0.5), cmaes[:pop=N][:sigma0=X][:ftol=X]"
                 "[:xtol=X][:growth=X] (CMA-ES settings, baselines/cmaes_optimizer.h), " +
                     known_optimizers() + ". Default: the preset's, else random,sobol");
  app.add_option(
      "--functions", functions,
      "Comma-separated test functions: gp:d=N[:kernel=rbf|matern52|mixed][:ell=L]"
      "[:var=V][:first=K] (GP prior samples on [-1,1]^N; ell=loguniform:LOW:HIGH[:ard] draws "
      "each function's length-scale(s), one per dimension with ard; kernel=mixed draws RBF or "
      "Matern-5/2 per function; the wide prior is gp:d=N:ell=loguniform:0.1:1:ard:kernel=mixed; "
      "test seeds 2^63 + N*2^32 + K + i, "
      "disjoint from training; K >= 100000 gives a tuning set disjoint from the "
      "reported instances), branin, goldstein-price, hartmann3, hartmann6, rosenbrock:d=N, "
      "ackley:d=N (the paper's random instances, seeds 1000000 + K + i; append :first=K, e.g. "
      "branin:first=100000, for a tuning set apart from the reported instances). "
      "Default: the preset's, else gp:d=2,branin");
  app.add_option("--instances", instances,
                 "Function instances per function (instance i is the same for every optimizer "
                 "and seed). Default 10")
      ->check(CLI::PositiveNumber);
  app.add_option("--gp-instances", gp_instances, "Instances per GP function (default: --instances)")
      ->check(CLI::PositiveNumber);
  app.add_option("--gp-optimizer-instances", gp_optimizer_instances,
                 "At most this many instances per function for the GP-based optimizers "
                 "(spearmint, spearmint-fixed, gp-ucb), the first ones (default: no cap)")
      ->check(CLI::PositiveNumber);
  app.add_option("--horizons", horizons,
                 "Comma-separated horizons: every run goes to the largest, regret is reported at "
                 "each. Default 25,50,100");
  app.add_option("--seeds", seeds,
                 "Run seeds, a comma-separated list of values and ranges, e.g. 1000-1049. A run "
                 "is (optimizer, instance, seed). Default 1000");
  app.add_option("--jobs", jobs, "Runs in parallel (threads). Default: hardware threads")
      ->check(CLI::PositiveNumber);
  app.add_option("--workers", workers,
                 "Parallel evaluation inside each run: N trials pending at once, one of them "
                 "completing at each step in a random order seeded by the run (Chen et al. 2017); "
                 "regret at t is over the first t completed evaluations. Optimizers that cannot "
                 "plan around pending points say what they do instead in the report. A folder "
                 "resumes only with the --workers it was written with. Default 1 (sequential)");
  app.add_option("--out", out_dir, "Output folder DIR (created). Default out/bench");
  app.add_option("--preset", preset,
                 "quick: the main job, a few minutes on 2 cores (shipped models, Spearmint at "
                 "reduced cost); paper: the paper's protocol (hours, see bench/README.md)");
  app.add_option("--spearmint-cost", spearmint_cost,
                 "full or reduced: the Spearmint-like optimizers' candidate and MCMC budget "
                 "(default: reduced for --preset quick, else full)");
  app.add_option("--plot-stat", plot_stat,
                 "mean or median: the curve and 95% band of the plots "
                 "(default mean, as in the paper)");
  app.add_flag("--quiet", quiet, "No progress bar");
  app.add_flag("--no-plots", no_plots, "Do not run gnuplot");

  if (const auto code = parse_command_line(app, argc, argv, out, err)) return *code;

  std::optional<Bench> bench;
  try {
    BenchConfig cfg;
    cfg.optimizers = {"random", "sobol"};
    cfg.functions = {"gp:d=2", "branin"};
    if (!preset.empty()) apply_preset(preset, cfg);
    if (app.count("--optimizers")) cfg.optimizers = split_list(optimizers, "--optimizers");
    if (app.count("--functions")) cfg.functions = split_list(functions, "--functions");
    if (app.count("--instances")) cfg.instances = instances;
    if (app.count("--gp-instances")) cfg.gp_instances = gp_instances;
    if (app.count("--gp-optimizer-instances")) cfg.gp_optimizer_instances = gp_optimizer_instances;
    if (app.count("--horizons")) cfg.horizons = parse_int_list(horizons, "--horizons");
    if (app.count("--seeds")) cfg.seeds = parse_seed_list(seeds);
    if (!spearmint_cost.empty()) {
      if (spearmint_cost == "full") {
        cfg.spearmint_cost = SpearmintCost::kFull;
      } else if (spearmint_cost == "reduced") {
        cfg.spearmint_cost = SpearmintCost::kReduced;
      } else {
        throw std::invalid_argument("--spearmint-cost must be full or reduced, got '" +
                                    spearmint_cost + "'");
      }
    }
    cfg.jobs = jobs;
    cfg.workers = workers;
    cfg.out = out_dir;
    cfg.plot_stat = plot_stat;
    cfg.progress = !quiet;
    cfg.plots = !no_plots;
    cfg.command_line = join_command(argc, argv);
    std::error_code ec;
    if (std::filesystem::exists(cfg.out, ec) && !std::filesystem::is_directory(cfg.out, ec)) {
      throw std::invalid_argument("--out: " + cfg.out.string() + " exists and is not a folder");
    }
    bench = resolve(cfg);
  } catch (const std::exception& e) {
    err << "rnnopt-bench: error: " << one_line(e.what()) << " (see rnnopt-bench --help)\n";
    return kExitUsage;
  }

  try {
    const BenchConfig& cfg = bench->config;
    const auto plan = plan_runs(*bench);
    err << "rnnopt-bench: " << plan.size() << " runs (" << bench->optimizers.size()
        << " optimizers x " << bench->functions.size() << " functions x instances x "
        << cfg.seeds.size() << " seeds) to t = " << cfg.max_horizon();
    if (cfg.workers > 1) err << " with " << cfg.workers << " trials pending per run";
    err << " on " << cfg.jobs << " thread(s), into " << cfg.out.string() << "/\n";
    for (const auto& note : cfg.notes) err << "rnnopt-bench: note: " << note << '\n';
    for (const auto& s : bench->skipped) err << "rnnopt-bench: not run: " << s << '\n';
    BenchResult result;
    try {
      result = run_benchmark(*bench, err);
    } catch (const IncompatibleTrace& e) {
      err << "rnnopt-bench: error: " << one_line(e.what()) << '\n';
      return kExitUsage;
    }
    for (const auto& f : result.failures) err << "rnnopt-bench: run failed: " << f << '\n';

    const Summary summary = summarize(*bench, result.runs);
    write_file_durably(cfg.out / "summary.json", summary_json(*bench, summary, result).dump(2));
    std::vector<std::filesystem::path> pngs;
    if (cfg.plots) pngs = write_plots(*bench, summary, cfg.out, err);
    const std::filesystem::path report = cfg.out / "report.md";
    write_file_durably(report, report_markdown(*bench, summary, result, pngs));

    print_summary_table(out, *bench, summary);
    out << "\nreport:  " << report.string() << "\nsummary: " << (cfg.out / "summary.json").string()
        << "\ntrace:   " << (cfg.out / "trace.jsonl").string() << '\n';
    for (const auto& p : pngs) out << "plot:    " << p.string() << '\n';
    if (!result.failures.empty()) {
      err << "rnnopt-bench: " << result.failures.size()
          << " run(s) failed (listed above and in report.md); rerun the same command to retry\n";
      return kExitRunsFailed;
    }
    return kExitOk;
  } catch (const std::exception& e) {
    err << "rnnopt-bench: error: " << one_line(e.what()) << '\n';
    return kExitIo;
  }
}

}  // namespace rnnopt::bench
