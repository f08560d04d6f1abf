#include "demos/design.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <queue>
#include <sstream>
#include <stdexcept>

#include "baselines/random_search.h"
#include "baselines/spearmint.h"
#include "core/parallel_for.h"
#include "core/rng.h"
#include "demos/common.h"
#include "demos/model_picker.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::demos {

namespace fs = std::filesystem;

std::vector<LabExperiment> run_labs(Optimizer& opt, const ReactionYield& reaction, int labs,
                                    int budget, double noise_sd, std::uint64_t seed) {
  if (labs < 1) throw std::invalid_argument("run_labs(): labs must be >= 1");
  if (budget < 1) throw std::invalid_argument("run_labs(): budget must be >= 1");
  if (opt.dim() != reaction.dim() || opt.box().lower != reaction.lower() ||
      opt.box().upper != reaction.upper()) {
    throw std::invalid_argument("run_labs(): the optimizer's box is not the reaction's");
  }
  Rng rng(seed);
  std::vector<LabExperiment> running;  // indexed by submission
  // Earliest finish first; ties by lab number (deterministic).
  using Event = std::pair<double, int>;  // finish time, submission index
  auto later = [&](const Event& a, const Event& b) {
    if (a.first != b.first) return a.first > b.first;
    return running[a.second].lab > running[b.second].lab;
  };
  std::priority_queue<Event, std::vector<Event>, decltype(later)> queue(later);
  auto start = [&](const Eigen::VectorXd& x, int lab, double now) {
    LabExperiment e;
    e.submitted = static_cast<int>(running.size());
    e.lab = lab;
    e.start_h = now;
    // Reaction time + 1 h set-up + an exponential work-up/analysis queue (mean 4 h).
    double u = rng.uniform();
    while (u <= 0.0) u = rng.uniform();
    e.finish_h = now + reaction.full_point(x)(1) + 1.0 + 4.0 * -std::log(u);
    e.x = x;
    e.true_yield = reaction.yield(x);
    e.measured = e.true_yield + noise_sd * rng.normal();
    running.push_back(e);
    queue.push({e.finish_h, e.submitted});
  };
  const std::vector<Eigen::VectorXd> first = opt.propose_batch(std::min(labs, budget));
  for (int lab = 0; lab < static_cast<int>(first.size()); ++lab) start(first[lab], lab, 0.0);
  std::vector<LabExperiment> done;
  while (!queue.empty()) {
    const auto [now, index] = queue.top();
    queue.pop();
    LabExperiment e = running[index];
    e.completed = static_cast<int>(done.size());
    opt.observe(e.x, -e.measured);
    done.push_back(e);
    if (static_cast<int>(running.size()) < budget) start(opt.propose(), e.lab, now);
  }
  return done;
}

void DesignConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("design: " + what); };
  if (labs < 1 || labs > 64) bad("--labs must be in 1..64, got " + std::to_string(labs));
  if (budget < 2) bad("--budget must be >= 2, got " + std::to_string(budget));
  if (runs < 1) bad("--runs must be >= 1, got " + std::to_string(runs));
  if (!(noise_sd >= 0.0) || !std::isfinite(noise_sd)) bad("--noise must be finite and >= 0");
  if (!std::isfinite(target) || target < 0.0) bad("--target must be finite and >= 0");
  if (factors < 2 || factors > ReactionYield::kFactors) {
    bad("--factors must be in 2..5, got " + std::to_string(factors));
  }
  if (threads < 1) bad("--threads must be >= 1");
  if (methods.empty()) bad("--methods is empty");
  for (const std::string& m : methods) {
    if (m != "rnn-parallel" && m != "rnn" && m != "rnn-1lab" && m != "spearmint" && m != "random") {
      bad("unknown method '" + m + "' (known: rnn-parallel, rnn, rnn-1lab, spearmint, random)");
    }
  }
}

DesignResult run_design(const DesignConfig& config, std::ostream& log) {
  config.validate();
  if (!config.out.empty()) prepare_out_dir(config.out);
  DesignResult result;
  const ReactionYield reaction(config.factors);
  const Box box{reaction.lower(), reaction.upper()};
  const int d = reaction.dim();
  const fs::path models = config.models_dir.empty() ? default_models_dir() : config.models_dir;

  struct Method {
    std::string name;
    std::string kind;
    int labs;
    std::shared_ptr<const Model> model;
  };
  std::vector<Method> methods;
  ModelPick sequential;
  bool sequential_looked = false;
  for (const std::string& m : config.methods) {
    if (m == "rnn-parallel") {
      ModelQuery q;
      q.dim = d;
      q.require_parallel = true;
      ModelPick pick = pick_model(models, q);
      if (!pick.model) {
        result.notes.push_back(pick.message);
        continue;
      }
      result.notes.push_back("parallel RNN model: " + pick.path.string() + " (" +
                             std::to_string(pick.model->manifest().parallel_workers) + " workers)");
      methods.push_back({pick.label + " parallel", "rnn", config.labs, pick.model});
    } else if (m == "rnn" || m == "rnn-1lab") {
      if (!sequential_looked) {
        ModelQuery q;
        q.dim = d;
        q.require_sequential = true;
        sequential = pick_model(models, q);
        sequential_looked = true;
        result.notes.push_back(sequential.model
                                   ? "sequential RNN model: " + sequential.path.string()
                                   : sequential.message);
      }
      if (!sequential.model) continue;
      const int labs = m == "rnn" ? config.labs : 1;
      methods.push_back(
          {sequential.label + (labs == 1 ? " 1 lab" : " (lies)"), "rnn", labs, sequential.model});
    } else {
      methods.push_back({m, m, config.labs, nullptr});
    }
  }
  if (methods.empty()) throw std::invalid_argument("design: no method can run");
  result.best_known = reaction.best_known();
  result.target = config.target > 0.0 ? config.target : 0.88 * result.best_known;
  for (const std::string& n : result.notes) log << n << "\n";
  log << "design: reaction yield, " << d << " factors (";
  for (int j = 0; j < d; ++j) log << (j ? ", " : "") << reaction.factor_name(j);
  log << "), best known yield " << fmt(result.best_known, 2) << "%, target "
      << fmt(result.target, 1) << "%, " << config.runs << " runs x " << config.budget
      << " experiments, noise sd " << config.noise_sd << "%, seed " << config.seed << "\n";

  const int nm = static_cast<int>(methods.size());
  result.methods.resize(nm);
  for (int k = 0; k < nm; ++k) {
    result.methods[k].name = methods[k].name;
    result.methods[k].labs = methods[k].labs;
    result.methods[k].runs.resize(config.runs);
  }
  parallel_for(nm * config.runs, config.threads, [&](int job) {
    const int k = job / config.runs;
    const int r = job % config.runs;
    const std::uint64_t run_seed = derive_seed(config.seed, r);
    const std::uint64_t opt_seed = derive_seed(run_seed, name_stream(methods[k].name));
    std::unique_ptr<Optimizer> opt;
    if (methods[k].kind == "rnn") {
      RnnOptimizerOptions o;
      o.horizon = config.budget;
      opt = std::make_unique<RnnOptimizer>(methods[k].model, box, o, opt_seed);
    } else if (methods[k].kind == "spearmint") {
      baselines::SpearmintOptions o;
      o.burn_in = 30;
      o.mcmc_iters = 5;
      o.search.grid_size = 2000;
      o.search.grid_subset = 5;
      o.search.num_threads = 1;
      opt = std::make_unique<baselines::SpearmintOptimizer>(box, o, opt_seed);
    } else {
      opt = std::make_unique<baselines::RandomSearch>(box, opt_seed);
    }
    // The same lab durations and noise stream for every method in run r.
    result.methods[k].runs[r] =
        run_labs(*opt, reaction, methods[k].labs, config.budget, config.noise_sd, run_seed);
  });

  std::vector<std::vector<std::string>> rows;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto& m : result.methods) {
    int reached = 0;
    std::vector<double> reached_hours, exps_to_target;
    for (const auto& run : m.runs) {
      double hours = nan;
      double best = -1e300;
      for (const LabExperiment& e : run) {
        best = std::max(best, e.true_yield);
        if (std::isnan(hours) && e.true_yield >= result.target) {
          hours = e.finish_h;
          exps_to_target.push_back(e.completed + 1);
        }
      }
      m.hours_to_target.push_back(hours);
      m.best_final.push_back(best);
      m.total_hours.push_back(run.back().finish_h);
      if (!std::isnan(hours)) ++reached, reached_hours.push_back(hours);
    }
    const MeanCi h = mean_ci(reached_hours);
    const MeanCi b = mean_ci(m.best_final);
    const MeanCi total = mean_ci(m.total_hours);
    const MeanCi ne = mean_ci(exps_to_target);
    rows.push_back({m.name, std::to_string(m.labs),
                    std::to_string(reached) + "/" + std::to_string(m.runs.size()),
                    reached ? fmt(h.mean, 1) : "-", reached ? fmt(h.median, 1) : "-",
                    reached ? fmt(ne.mean, 1) : "-", fmt(b.mean, 2) + " ± " + fmt(b.half_width, 2),
                    fmt(total.mean, 1)});
  }
  result.table =
      format_table({"method", "labs", "reached target", "hours to target (mean)", "(median)",
                    "experiments to target", "best yield % (mean ± 95%)", "hours for budget"},
                   rows);
  log << "\nTarget yield " << fmt(result.target, 1) << "% (true, noiseless yield of a finished "
      << "experiment); simulated lab hours; " << config.budget << " experiments per run:\n"
      << result.table;

  if (!config.out.empty()) {
    // Best true yield against the number of finished experiments (mean over runs).
    std::vector<std::string> names;
    for (const auto& m : result.methods) names.push_back(m.name);
    const std::string csv = band_csv("experiments", names, config.budget, [&](int k, int s) {
      const int n = s + 1;  // finished experiments
      std::vector<double> v;
      for (const auto& run : result.methods[k].runs) {
        double best = -1e300;
        for (int i = 0; i < n && i < static_cast<int>(run.size()); ++i) {
          best = std::max(best, run[i].true_yield);
        }
        v.push_back(best);
      }
      return v;
    });
    // Best true yield against simulated hours (step curves, mean over runs).
    double horizon_h = 0.0;
    for (const auto& m : result.methods) {
      for (double t : m.total_hours) horizon_h = std::max(horizon_h, t);
    }
    std::ostringstream tcsv;
    tcsv << "hours";
    for (const auto& m : result.methods) tcsv << "," << m.name;
    tcsv << "\n";
    const int points = 200;
    for (int p = 0; p <= points; ++p) {
      const double t = horizon_h * p / points;
      tcsv << t;
      for (const auto& m : result.methods) {
        std::vector<double> v;
        for (const auto& run : m.runs) {
          double best = 0.0;  // nothing finished yet: 0% yield
          for (const LabExperiment& e : run) {
            if (e.finish_h <= t) best = std::max(best, e.true_yield);
          }
          v.push_back(best);
        }
        tcsv << "," << mean_ci(v).mean;
      }
      tcsv << "\n";
    }
    // Every experiment of every run (the schedule), for inspection.
    std::ostringstream sched;
    sched << "method,run,submitted,completed,lab,start_h,finish_h,measured,true_yield";
    for (int j = 0; j < d; ++j) sched << "," << reaction.factor_name(j);
    sched << "\n";
    for (const auto& m : result.methods) {
      for (std::size_t r = 0; r < m.runs.size(); ++r) {
        for (const LabExperiment& e : m.runs[r]) {
          sched << m.name << "," << r << "," << e.submitted << "," << e.completed << "," << e.lab
                << "," << e.start_h << "," << e.finish_h << "," << e.measured << ","
                << e.true_yield;
          for (int j = 0; j < d; ++j) sched << "," << e.x(j);
          sched << "\n";
        }
      }
    }
    const fs::path csv_path = config.out / "design_best_vs_experiments.csv";
    const fs::path tcsv_path = config.out / "design_best_vs_hours.csv";
    const fs::path sched_path = config.out / "design_schedule.csv";
    write_text_atomic(csv_path, csv);
    write_text_atomic(tcsv_path, tcsv.str());
    write_text_atomic(sched_path, sched.str());
    std::ostringstream md;
    md << "# rnnopt-demo design\n\n";
    for (const std::string& n : result.notes) md << n << "\n\n";
    md << "Best known yield " << fmt(result.best_known, 2) << "%, target " << fmt(result.target, 1)
       << "%, " << config.runs << " runs x " << config.budget << " experiments, noise sd "
       << config.noise_sd << "%, seed " << config.seed << "\n\n"
       << result.table;
    const fs::path md_path = config.out / "summary.md";
    write_text_atomic(md_path, md.str());
    result.files = {csv_path, tcsv_path, sched_path, md_path};

    const fs::path png1 = config.out / "design_best_vs_experiments.png";
    std::ostringstream gp;
    gp << png_terminal(900, 600) << "\nset output '" << png1.string() << "'\n"
       << "set datafile separator ','\nset key bottom right\nset grid\n"
       << "set title 'Experimental design: best true yield (mean, 95% bands), " << config.runs
       << " runs'\nset xlabel 'finished experiments'\nset ylabel 'best yield [%]'\n"
       << "set style fill transparent solid 0.2 noborder\n"
       << "set arrow from graph 0, first " << result.target << " to graph 1, first "
       << result.target << " nohead dt 2\nplot ";
    gp << band_plot_items(csv_path, names) << "\n";
    if (render_png(config.out / "design_best_vs_experiments.gp", gp.str(), log)) {
      result.files.push_back(png1);
    }
    const fs::path png2 = config.out / "design_best_vs_hours.png";
    std::ostringstream gp2;
    gp2 << png_terminal(900, 600) << "\nset output '" << png2.string() << "'\n"
        << "set datafile separator ','\nset key bottom right\nset grid\n"
        << "set title 'Experimental design: best true yield against simulated lab time (mean of "
        << config.runs << " runs)'\nset xlabel 'simulated hours'\nset ylabel 'best yield [%]'\n"
        << "set arrow from graph 0, first " << result.target << " to graph 1, first "
        << result.target << " nohead dt 2\nplot ";
    for (int k = 0; k < nm; ++k) {
      gp2 << (k ? ", " : "") << "'" << tcsv_path.string() << "' every ::1 using 1:" << k + 2
          << " with steps lw 2 lc " << k + 1 << " title '" << result.methods[k].name << "'";
    }
    gp2 << "\n";
    if (render_png(config.out / "design_best_vs_hours.gp", gp2.str(), log)) {
      result.files.push_back(png2);
    }
  }
  return result;
}

}  // namespace rnnopt::demos
