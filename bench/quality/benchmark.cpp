#include "bench/quality/benchmark.h"

#include <time.h>
#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include "baselines/callback_optimizer.h"
#include "bench/quality/progress.h"
#include "bench/quality/statistics.h"
#include "core/durable_file.h"
#include "core/parallel_for.h"
#include "core/rng.h"

namespace rnnopt::bench {
namespace {

[[noreturn]] void bad_config(const std::string& what) {
  throw std::invalid_argument("BenchConfig::validate(): " + what);
}

// CPU time of the calling thread, in microseconds.
double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// A function instance built once, on first use, by whichever thread needs it first.
struct InstanceSlot {
  std::once_flag once;
  FunctionInstance instance;
  std::exception_ptr error;
};

}  // namespace

void BenchConfig::validate() const {
  if (optimizers.empty()) bad_config("no optimizer given");
  if (functions.empty()) bad_config("no function given");
  if (instances < 1) bad_config("instances must be at least 1, got " + std::to_string(instances));
  if (gp_instances == 0 || gp_instances < -1) {
    bad_config("gp_instances must be at least 1, got " + std::to_string(gp_instances));
  }
  if (gp_optimizer_instances == 0 || gp_optimizer_instances < -1) {
    bad_config("gp_optimizer_instances must be at least 1, got " +
               std::to_string(gp_optimizer_instances));
  }
  if (seeds.empty()) bad_config("no seed given");
  if (std::set<std::uint64_t>(seeds.begin(), seeds.end()).size() != seeds.size()) {
    bad_config("a seed is repeated");
  }
  if (horizons.empty()) bad_config("no horizon given");
  for (int h : horizons) {
    if (h < 1 || h > 100000) bad_config("horizon " + std::to_string(h) + " is not in [1, 100000]");
  }
  if (jobs < 1) bad_config("jobs must be at least 1, got " + std::to_string(jobs));
  if (workers < 1 || workers > 100000) {
    bad_config("workers must be in [1, 100000], got " + std::to_string(workers));
  }
  if (out.empty()) bad_config("no output folder given");
  if (plot_stat != "mean" && plot_stat != "median") {
    bad_config("plot statistic must be mean or median, got '" + plot_stat + "'");
  }
  const std::set<std::string> o(optimizers.begin(), optimizers.end());
  if (o.size() != optimizers.size()) bad_config("an optimizer is listed twice");
  const std::set<std::string> f(functions.begin(), functions.end());
  if (f.size() != functions.size()) bad_config("a function is listed twice");
}

int BenchConfig::max_horizon() const { return *std::max_element(horizons.begin(), horizons.end()); }

int BenchConfig::instances_for(const std::string& family, bool gp_based) const {
  const int n = family == "gp" && gp_instances > 0 ? gp_instances : instances;
  return gp_based && gp_optimizer_instances > 0 ? std::min(n, gp_optimizer_instances) : n;
}

Bench resolve(const BenchConfig& cfg) {
  cfg.validate();
  Bench bench;
  bench.config = cfg;
  std::sort(bench.config.horizons.begin(), bench.config.horizons.end());
  bench.config.horizons.erase(
      std::unique(bench.config.horizons.begin(), bench.config.horizons.end()),
      bench.config.horizons.end());
  for (const auto& spec : cfg.functions) bench.functions.push_back(parse_function(spec));
  for (const auto& spec : cfg.optimizers) {
    bench.optimizers.push_back(parse_optimizer(spec, cfg.spearmint_cost));
  }
  std::set<std::string> labels;
  for (const auto& f : bench.functions) {
    if (!labels.insert(f.label).second) {
      throw std::invalid_argument("function " + f.label + " is listed twice");
    }
  }
  labels.clear();
  for (const auto& o : bench.optimizers) {
    if (!labels.insert(o.label).second) {
      throw std::invalid_argument("optimizer " + o.label + " is listed twice");
    }
  }
  for (const auto& o : bench.optimizers) {
    bool any = false;
    for (const auto& f : bench.functions) {
      const std::string why = o.unsupported_reason(f.dim);
      if (why.empty()) {
        any = true;
      } else {
        bench.skipped.push_back(o.label + " on " + f.label + ": " + why);
      }
    }
    if (!any) {
      throw std::invalid_argument("optimizer " + o.label + " cannot run on any of the functions (" +
                                  bench.skipped.back() + ")");
    }
  }
  return bench;
}

std::vector<PlannedRun> plan_runs(const Bench& bench) {
  std::vector<PlannedRun> runs;
  const int nf = static_cast<int>(bench.functions.size());
  const int no = static_cast<int>(bench.optimizers.size());
  for (int o = 0; o < no; ++o) {
    const auto& opt = bench.optimizers[o];
    for (int f = 0; f < nf; ++f) {
      if (!opt.unsupported_reason(bench.functions[f].dim).empty()) continue;
      const int n = bench.config.instances_for(bench.functions[f].family, opt.gp_based);
      for (int i = 0; i < n; ++i) {
        for (std::uint64_t s : bench.config.seeds) runs.push_back(PlannedRun{o, f, i, s});
      }
    }
  }
  // Long runs first for load balance; then by instance so partial results cover every function.
  std::stable_sort(runs.begin(), runs.end(), [&](const PlannedRun& a, const PlannedRun& b) {
    const bool ga = bench.optimizers[a.optimizer].gp_based;
    const bool gb = bench.optimizers[b.optimizer].gp_based;
    if (ga != gb) return ga;
    if (a.instance != b.instance) return a.instance < b.instance;
    if (a.seed != b.seed) return a.seed < b.seed;
    if (a.function != b.function) return a.function < b.function;
    return a.optimizer < b.optimizer;
  });
  return runs;
}

RunKey key_of(const Bench& bench, const PlannedRun& run) {
  return RunKey{bench.optimizers[run.optimizer].label, bench.functions[run.function].label,
                run.instance, run.seed};
}

ExecutedRun execute_run(const Bench& bench, const PlannedRun& run, const FunctionInstance& inst) {
  const int horizon = bench.config.max_horizon();
  const int workers = bench.config.workers;
  ExecutedRun out;
  RunRecord& r = out.record;
  r.key = key_of(bench, run);
  r.instance_seed = inst.seed;
  r.f_star = inst.f_star;
  r.workers = workers;
  r.y.reserve(horizon);
  out.xs.reserve(horizon);
  const auto& f = *inst.objective;
  const std::uint64_t seed = derive_seed(run.seed, run.instance);
  // The optimizer's own time: construction counts towards its first proposal.
  auto t0 = std::chrono::steady_clock::now();
  double c0 = thread_cpu_us();
  std::unique_ptr<Optimizer> opt = bench.optimizers[run.optimizer].make(inst, seed);
  // A library behind the callback adapter works on its own thread, which this thread's CPU clock
  // does not see: its CPU time is added (the two threads never run at the same time).
  const auto* threaded = dynamic_cast<const baselines::CallbackOptimizer*>(opt.get());
  auto worker_cpu_us = [threaded] { return threaded ? threaded->worker_cpu_seconds() * 1e6 : 0.0; };

  // The trials in flight, oldest first, each with the time of its own ask().
  struct InFlight {
    Trial trial;
    std::uint64_t order = 0;  // 1 = asked first
    double ask_us = 0.0, ask_cpu_us = 0.0;
  };
  std::vector<InFlight> in_flight;
  std::uint64_t asked = 0;
  // t0 and c0 are set just before the call (before construction for the first).
  auto ask_one = [&] {
    const double w0 = worker_cpu_us();
    InFlight a;
    a.trial = opt->ask();
    a.ask_us = micros_since(t0);
    a.ask_cpu_us = thread_cpu_us() - c0 + worker_cpu_us() - w0;
    a.order = ++asked;
    in_flight.push_back(std::move(a));
    const int pending = static_cast<int>(opt->pending().size());
    out.max_pending = std::max(out.max_pending, pending);
    if (pending != static_cast<int>(in_flight.size())) {
      throw std::runtime_error(opt->name() + " has " + std::to_string(pending) +
                               " trial(s) pending after an ask, the benchmark " +
                               std::to_string(in_flight.size()));
    }
  };
  const auto limit = static_cast<std::uint64_t>(horizon);
  while (asked < std::min<std::uint64_t>(limit, static_cast<std::uint64_t>(workers))) {
    ask_one();
    t0 = std::chrono::steady_clock::now();
    c0 = thread_cpu_us();
  }
  // The completion order (workers > 1); one pending trial needs no draw.
  Rng order(derive_seed(seed, kCompletionOrderStream));
  for (int t = 0; t < horizon; ++t) {
    const std::size_t k =
        in_flight.size() > 1 ? static_cast<std::size_t>(order.uniform_int(in_flight.size())) : 0;
    InFlight done = std::move(in_flight[k]);
    in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(k));
    const double y = f(done.trial.x);
    const double w0 = worker_cpu_us();
    t0 = std::chrono::steady_clock::now();
    c0 = thread_cpu_us();
    opt->observe(done.trial.id, y);
    r.observe_us.push_back(micros_since(t0));
    r.cpu_us.push_back(done.ask_cpu_us + thread_cpu_us() - c0 + worker_cpu_us() - w0);
    r.propose_us.push_back(done.ask_us);
    r.y.push_back(y);
    r.trial.push_back(done.order);
    out.xs.push_back(std::move(done.trial.x));
    t0 = std::chrono::steady_clock::now();
    c0 = thread_cpu_us();
    if (asked < limit) {
      ask_one();
      t0 = std::chrono::steady_clock::now();
      c0 = thread_cpu_us();
    }
  }
  r.regret = best_so_far_regret(r.y, r.f_star);
  return out;
}

BenchResult run_benchmark(const Bench& bench, std::ostream& log) {
  namespace fs = std::filesystem;
  const BenchConfig& cfg = bench.config;
  fs::create_directories(cfg.out);
  const fs::path trace_path = cfg.out / "trace.jsonl";
  const int horizon = cfg.max_horizon();

  BenchResult result;
  // Read without repairing first: a trace of another protocol is refused before anything changes.
  TraceContents existing = load_trace(trace_path, /*repair=*/false);
  for (const auto& [key, r] : existing.runs) {
    const std::string which = " (" + key.optimizer + " on " + key.function + " instance " +
                              std::to_string(key.instance) + ")";
    if (r.workers != cfg.workers) {
      throw IncompatibleTrace(trace_path.string() + " holds runs made with --workers " +
                              std::to_string(r.workers) + which +
                              ", this benchmark uses --workers " + std::to_string(cfg.workers) +
                              ": resume it with --workers " + std::to_string(r.workers) +
                              " or choose another --out folder");
    }
    // Sequentially a run's first t evaluations do not depend on its length; with workers they
    // do (no trial is asked past the horizon, so the last ones complete among fewer pending).
    if (cfg.workers > 1 && r.length() > horizon) {
      throw IncompatibleTrace(
          trace_path.string() + " holds runs to t = " + std::to_string(r.length()) + which +
          " made with --workers " + std::to_string(r.workers) +
          "; with parallel workers a run's last " +
          "evaluations depend on its length, so they cannot serve t = " + std::to_string(horizon) +
          ": make the largest --horizons " + std::to_string(r.length()) +
          " or choose another --out folder");
    }
  }
  if (existing.damaged_lines > 0) existing = load_trace(trace_path, /*repair=*/true);
  result.repaired_lines = existing.damaged_lines;
  if (existing.repaired) {
    log << "rnnopt-bench: dropped " << existing.damaged_lines
        << " damaged line(s) of an interrupted run from " << trace_path.string() << '\n';
  }

  const std::vector<PlannedRun> plan = plan_runs(bench);
  std::vector<std::optional<RunRecord>> records(plan.size());
  std::vector<std::size_t> pending;
  for (std::size_t k = 0; k < plan.size(); ++k) {
    auto it = existing.runs.find(key_of(bench, plan[k]));
    if (it != existing.runs.end() && it->second.length() >= horizon) {
      RunRecord r = std::move(it->second);
      // A run of a longer earlier benchmark serves a shorter one: keep the first `horizon` steps.
      r.y.resize(horizon);
      r.regret.resize(horizon);
      r.propose_us.resize(horizon);
      r.observe_us.resize(horizon);
      r.cpu_us.resize(horizon);
      r.trial.resize(horizon);
      records[k] = std::move(r);
      ++result.resumed;
    } else {
      pending.push_back(k);
    }
  }
  // The global minima the trace already records: instances that earlier runs used (another
  // optimizer, a shorter horizon) need no new search.
  std::map<std::pair<std::string, std::uint64_t>, double> known_minima;
  for (const auto& [key, r] : existing.runs)
    known_minima[{key.function, r.instance_seed}] = r.f_star;
  existing.runs.clear();
  if (result.resumed > 0) {
    log << "rnnopt-bench: " << result.resumed << " of " << plan.size()
        << " runs already complete in " << trace_path.string() << ", skipped\n";
  }

  // Function instances needed by the pending runs, built lazily (a GP minimum costs a search).
  std::map<std::pair<int, int>, std::unique_ptr<InstanceSlot>> slots;
  std::vector<double> remaining(bench.optimizers.size(), 0.0);
  for (std::size_t k : pending) {
    auto& slot = slots[{plan[k].function, plan[k].instance}];
    if (!slot) slot = std::make_unique<InstanceSlot>();
    remaining[plan[k].optimizer] += horizon;
  }

  Progress progress(log, remaining, cfg.jobs, cfg.progress && !pending.empty());
  std::mutex write_mutex;
  // One pending run: a failed run is recorded in result.failures; an I/O error on the trace
  // stops the benchmark (parallel_for starts no further run and rethrows it).
  auto run_one = [&](int j) {
    const std::size_t k = pending[j];
    const PlannedRun& run = plan[k];
    const auto start = std::chrono::steady_clock::now();
    std::optional<ExecutedRun> done;
    std::string lines;
    try {
      InstanceSlot& slot = *slots.at({run.function, run.instance});
      std::call_once(slot.once, [&] {
        try {
          const FunctionEntry& fn = bench.functions[run.function];
          const auto known = known_minima.find({fn.label, fn.instance_seed(run.instance)});
          slot.instance = fn.make_instance(
              run.instance,
              known == known_minima.end() ? std::nullopt : std::optional<double>(known->second));
        } catch (...) {
          slot.error = std::current_exception();
        }
      });
      if (slot.error) std::rethrow_exception(slot.error);
      done = execute_run(bench, run, slot.instance);
      lines = format_run(done->record, done->xs);
    } catch (const std::exception& e) {
      done.reset();
      const RunKey key = key_of(bench, run);
      std::lock_guard lock(write_mutex);
      result.failures.push_back(key.optimizer + " on " + key.function + " instance " +
                                std::to_string(key.instance) + " seed " + std::to_string(key.seed) +
                                ": " + e.what());
    }
    if (done) {
      std::lock_guard lock(write_mutex);
      append_file_durably(trace_path, lines);
      records[k] = std::move(done->record);
      ++result.executed;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.add_done(run.optimizer, horizon, seconds);
    progress.add_run();
  };
  try {
    parallel_for(static_cast<int>(pending.size()), cfg.jobs, run_one);
  } catch (...) {
    progress.finish();
    throw;
  }
  progress.finish();

  for (auto& r : records) {
    if (r) result.runs.push_back(std::move(*r));
  }
  return result;
}

}  // namespace rnnopt::bench
