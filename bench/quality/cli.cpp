#include "bench/quality/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bench/quality/plots.h"
#include "bench/quality/report.h"
#include "bench/quality/summary.h"
#include "core/durable_file.h"
#include "core/tool.h"
#include "optimizer/model_file.h"

#ifndef RNNOPT_SOURCE_DIR
#define RNNOPT_SOURCE_DIR "."
#endif

namespace rnnopt::bench {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::uint64_t parse_u64(const std::string& text, std::string_view what) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(std::string(what) + ": '" + text +
                                "' is not a non-negative integer");
  }
  return v;
}

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

std::vector<std::string> split_list(std::string_view text, std::string_view what) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(',', start);
    const std::string item =
        trim(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    if (item.empty()) {
      throw std::invalid_argument(std::string(what) + ": empty item in '" + std::string(text) +
                                  "'");
    }
    out.push_back(item);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::vector<std::uint64_t> parse_seed_list(std::string_view text) {
  std::vector<std::uint64_t> seeds;
  for (const auto& item : split_list(text, "--seeds")) {
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      seeds.push_back(parse_u64(item, "--seeds"));
      continue;
    }
    const std::uint64_t lo = parse_u64(trim(item.substr(0, dash)), "--seeds");
    const std::uint64_t hi = parse_u64(trim(item.substr(dash + 1)), "--seeds");
    if (hi < lo) throw std::invalid_argument("--seeds: range '" + item + "' is empty");
    if (hi - lo >= 1'000'000)
      throw std::invalid_argument("--seeds: range '" + item + "' is too long");
    for (std::uint64_t s = lo; s <= hi; ++s) seeds.push_back(s);
  }
  return seeds;
}

std::vector<int> parse_int_list(std::string_view text, std::string_view what) {
  std::vector<int> out;
  for (const auto& item : split_list(text, what)) {
    const std::uint64_t v = parse_u64(item, what);
    if (v < 1 || v > 1'000'000) {
      throw std::invalid_argument(std::string(what) + ": " + item + " is out of range");
    }
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<std::filesystem::path> shipped_models() {
  namespace fs = std::filesystem;
  std::vector<fs::path> models;
  for (const fs::path& dir : {fs::path("models"), fs::path(RNNOPT_SOURCE_DIR) / "models"}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".safetensors") models.push_back(e.path());
    }
    if (!models.empty()) break;
  }
  std::sort(models.begin(), models.end());
  return models;
}

void apply_preset(std::string_view name, BenchConfig& cfg) {
  if (name != "quick" && name != "paper") {
    throw std::invalid_argument("--preset must be quick or paper, got '" + std::string(name) + "'");
  }
  cfg.preset = std::string(name);
  cfg.optimizers.clear();
  const auto models = shipped_models();
  // The dimensions of the preset's functions: a shipped model that fits none of them is left out
  // with a note (rnnopt-bench refuses an optimizer that cannot run on any function).
  const std::vector<int> preset_dims =
      name == "quick" ? std::vector<int>{2, 3, 4} : std::vector<int>{2, 3, 4, 6};
  for (const auto& m : models) {
    std::vector<int> dims;
    try {
      dims = read_model_file(m.string()).manifest.dims;
    } catch (const ModelError&) {
      dims = preset_dims;  // let the run report the broken file
    }
    const bool fits = std::any_of(dims.begin(), dims.end(), [&](int d) {
      return std::find(preset_dims.begin(), preset_dims.end(), d) != preset_dims.end();
    });
    if (fits) {
      cfg.optimizers.push_back("rnn:" + m.string());
    } else {
      std::string ds;
      for (int d : dims) ds += (ds.empty() ? "" : ",") + std::to_string(d);
      cfg.notes.push_back("Shipped model " + m.filename().string() + " (d = " + ds +
                          ") is left out: no function of this preset has its dimension; "
                          "benchmark it with --preset paper or --functions gp:d=" +
                          std::to_string(dims.front()) + ".");
    }
  }
  if (models.empty()) {
    cfg.notes.push_back(
        "No trained model is shipped in models/ yet (no *.safetensors file): this run compares "
        "the baselines only. Train and export a model (rnnopt-meta-train, rnnopt-export) into "
        "models/ and rerun to include it.");
  }
  // The GP optimizers, the libraries users would pick instead (baselines/README.md), then the
  // simple baselines.
  cfg.optimizers.push_back("spearmint");
  cfg.optimizers.push_back("spearmint-fixed");
  for (const auto& peer : peer_optimizers()) cfg.optimizers.push_back(peer);
  cfg.optimizers.push_back("random");
  cfg.optimizers.push_back("sobol");
  if (name == "quick") {
    cfg.functions = {"gp:d=2", "gp:d=4", "branin", "hartmann3"};
    cfg.instances = 6;
    cfg.gp_instances = -1;
    cfg.gp_optimizer_instances = 3;
    cfg.seeds = {1000, 1001};
    cfg.horizons = {25, 50, 100};
    cfg.spearmint_cost = SpearmintCost::kReduced;
    cfg.notes.push_back(
        "Preset quick (a few minutes on 2 cores): few instances and seeds, GP-based optimizers on "
        "the first 3 instances only, and Spearmint at reduced cost (see its description below). "
        "The intervals are wide; use --preset paper for the paper's protocol.");
  } else {
    cfg.functions = {"gp:d=2", "gp:d=3",          "gp:d=4",    "gp:d=6",
                     "branin", "goldstein-price", "hartmann3", "hartmann6"};
    cfg.instances = 30;
    cfg.gp_instances = 1000;
    cfg.gp_optimizer_instances = 50;
    cfg.seeds = {1000};
    cfg.horizons = {25, 50, 100};
    cfg.spearmint_cost = SpearmintCost::kFull;
    cfg.notes.push_back(
        "Preset paper: the paper's protocol (Chen et al. 2017, arXiv:1611.03824, section 3). GP test functions at "
        "d = 2, 3, 4, 6: 1000 functions for the learned and the cheap optimizers, the first 50 "
        "for the GP optimizers (the paper: 10,000 and 100); the four classic functions with 30 "
        "random instances each; horizon 100, with full-cost Spearmint. Add --horizons "
        "25,50,100,200 to see behaviour past the training horizon (about 5x the Spearmint cost).");
  }
}

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
      "ackley:d=N (always the paper's random instances, seeds 1000000 + i). "
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
        << cfg.seeds.size() << " seeds) to t = " << cfg.max_horizon() << " on " << cfg.jobs
        << " thread(s), into " << cfg.out.string() << "/\n";
    for (const auto& note : cfg.notes) err << "rnnopt-bench: note: " << note << '\n';
    for (const auto& s : bench->skipped) err << "rnnopt-bench: not run: " << s << '\n';
    BenchResult result = run_benchmark(*bench, err);
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
