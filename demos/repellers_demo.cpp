#include "demos/repellers_demo.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "baselines/gp_ucb.h"
#include "baselines/random_search.h"
#include "baselines/sobol_search.h"
#include "baselines/spearmint.h"
#include "core/parallel_for.h"
#include "core/rng.h"
#include "demos/common.h"
#include "demos/model_picker.h"
#include "functions/repellers.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::demos {

namespace fs = std::filesystem;

void RepellersConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("repellers: " + what); };
  if (budget < 2) bad("--budget must be >= 2, got " + std::to_string(budget));
  if (instances < 1) bad("--instances must be >= 1, got " + std::to_string(instances));
  if (threads < 1) bad("--threads must be >= 1");
  if (methods.empty()) bad("--methods is empty");
  for (const std::string& m : methods) {
    if (m != "rnn" && m != "spearmint" && m != "spearmint-fixed" && m != "gp-ucb" && m != "sobol" &&
        m != "random") {
      bad("unknown method '" + m +
          "' (known: rnn, spearmint, spearmint-fixed, gp-ucb, sobol, random)");
    }
  }
}

RepellersResult run_repellers(const RepellersConfig& config, std::ostream& log) {
  config.validate();
  if (!config.out.empty()) prepare_out_dir(config.out);
  RepellersResult result;
  constexpr int d = 6;
  struct Method {
    std::string name;
    std::string kind;
    std::shared_ptr<const Model> model;
  };
  std::vector<Method> methods;
  for (const std::string& m : config.methods) {
    if (m == "rnn") {
      ModelQuery q;
      q.dim = d;
      q.require_sequential = true;
      ModelPick pick =
          pick_model(config.models_dir.empty() ? default_models_dir() : config.models_dir, q);
      if (!pick.model) {
        result.notes.push_back(pick.message);
        continue;
      }
      result.notes.push_back("RNN model: " + pick.path.string());
      methods.push_back({pick.label, "rnn", pick.model});
    } else {
      methods.push_back({m, m, nullptr});
    }
  }
  if (methods.empty()) throw std::invalid_argument("repellers: no method can run");
  std::vector<std::shared_ptr<const functions::Repellers>> tasks;
  for (int i = 0; i < config.instances; ++i) {
    tasks.push_back(functions::make_repellers(config.seed + static_cast<std::uint64_t>(i)));
    result.instance_names.push_back(tasks.back()->name());
  }
  for (const std::string& n : result.notes) log << n << "\n";
  log << "repellers: " << config.instances << " instances (" << result.instance_names.front()
      << " ...), " << config.budget << " evaluations each, 6 parameters\n";

  const int nm = static_cast<int>(methods.size());
  const int ni = config.instances;
  result.methods.resize(nm);
  std::vector<std::vector<double>> propose_time(nm, std::vector<double>(ni, 0.0));
  for (int k = 0; k < nm; ++k) {
    result.methods[k].name = methods[k].name;
    result.methods[k].best_return.assign(ni, std::vector<double>(config.budget, 0.0));
    result.methods[k].best_theta.assign(ni, Eigen::VectorXd());
  }
  parallel_for(nm * ni, config.threads, [&](int job) {
    const int k = job / ni;
    const int i = job % ni;
    const functions::Repellers& f = *tasks[i];
    const Box box{f.lower(), f.upper()};
    const std::uint64_t seed = derive_seed(config.seed + 7919 * static_cast<std::uint64_t>(i),
                                           name_stream(methods[k].name));
    baselines::FixedGpOptions fixed;  // Matern-5/2, ls 0.2 x width by default
    fixed.standardize_y = true;
    fixed.search.grid_size = 2000;
    fixed.search.grid_subset = 5;
    fixed.search.num_threads = 1;
    std::unique_ptr<Optimizer> opt;
    const std::string& kind = methods[k].kind;
    if (kind == "rnn") {
      RnnOptimizerOptions o;
      o.horizon = config.budget;
      opt = std::make_unique<RnnOptimizer>(methods[k].model, box, o, seed);
    } else if (kind == "spearmint") {
      baselines::SpearmintOptions o;
      o.noisy = false;  // deterministic physics
      o.burn_in = 30;
      o.mcmc_iters = 5;
      o.search.grid_size = 2000;
      o.search.grid_subset = 5;
      o.search.num_threads = 1;
      opt = std::make_unique<baselines::SpearmintOptimizer>(box, o, seed);
    } else if (kind == "spearmint-fixed") {
      opt = std::make_unique<baselines::SpearmintFixed>(box, fixed, seed);
    } else if (kind == "gp-ucb") {
      baselines::GpUcbOptions o;
      o.gp = fixed;
      o.beta_scale = 0.2;
      opt = std::make_unique<baselines::GpUcb>(box, o, seed);
    } else if (kind == "sobol") {
      opt = std::make_unique<baselines::SobolSearch>(box, seed);
    } else {
      opt = std::make_unique<baselines::RandomSearch>(box, seed);
    }
    double us = 0.0;
    double best = -1e300;
    for (int t = 0; t < config.budget; ++t) {
      const auto t0 = std::chrono::steady_clock::now();
      const Eigen::VectorXd x = opt->propose();
      us +=
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      const double y = f(x);
      opt->observe(x, y);
      if (-y > best) {
        best = -y;
        result.methods[k].best_theta[i] = x;
      }
      result.methods[k].best_return[i][t] = best;
    }
    propose_time[k][i] = us / config.budget;
  });

  std::vector<std::vector<std::string>> rows;
  result.best_return = -1e300;
  for (int k = 0; k < nm; ++k) {
    RepellersMethodResult& m = result.methods[k];
    m.propose_us = mean_ci(propose_time[k]).mean;
    std::vector<double> finals;
    for (int i = 0; i < ni; ++i) finals.push_back(m.best_return[i].back());
    if (m.best_return[0].back() > result.best_return) {
      result.best_return = m.best_return[0].back();
      result.best_method = m.name;
      result.best_theta = m.best_theta[0];
    }
    const MeanCi s = mean_ci(finals);
    std::vector<double> half;
    for (int i = 0; i < ni; ++i) half.push_back(m.best_return[i][config.budget / 2 - 1]);
    rows.push_back({m.name, fmt(s.mean, 4) + " ± " + fmt(s.half_width, 4), fmt(s.median, 4),
                    fmt(mean_ci(half).mean, 4), fmt(m.propose_us / 1000.0, 2)});
  }
  result.table = format_table({"method", "best return J (mean ± 95%)", "median J",
                               "J after " + std::to_string(config.budget / 2), "propose ms"},
                              rows);
  log << "\nBest discounted return J (higher is better, J <= 1) after " << config.budget
      << " evaluations over " << ni << " instances:\n"
      << result.table;
  log << "best policy on " << result.instance_names[0] << ": " << result.best_method
      << ", J = " << fmt(result.best_return, 4) << "\n";

  if (!config.out.empty()) {
    std::vector<std::string> names;
    for (const auto& m : result.methods) names.push_back(m.name);
    const fs::path csv_path = config.out / "repellers_best.csv";
    write_text_atomic(csv_path, band_csv("evaluations", names, config.budget, [&](int k, int t) {
                        std::vector<double> v;
                        for (int i = 0; i < ni; ++i)
                          v.push_back(result.methods[k].best_return[i][t]);
                        return v;
                      }));

    // The best policy's trajectories on the first instance, one block per particle.
    const functions::Repellers& task = *tasks[0];
    const auto paths = task.simulate(result.best_theta);
    const auto reps = task.repellers(result.best_theta);
    std::ostringstream traj;
    traj << "# " << task.name() << ", policy of " << result.best_method
         << ", J = " << result.best_return << "\n# theta:";
    for (int j = 0; j < d; ++j) traj << " " << result.best_theta(j);
    traj << "\n# particle x y\n";
    for (std::size_t p = 0; p < paths.size(); ++p) {
      for (const Eigen::Vector2d& q : paths[p].positions) {
        traj << p << " " << q.x() << " " << q.y() << "\n";
      }
      traj << "\n\n";
    }
    const fs::path traj_path = config.out / "repellers_trajectories.dat";
    write_text_atomic(traj_path, traj.str());
    std::ostringstream rep;
    rep << "# x y strength\n";
    for (const auto& r : reps)
      rep << r.position.x() << " " << r.position.y() << " " << r.strength << "\n";
    const fs::path rep_path = config.out / "repellers_policy.dat";
    write_text_atomic(rep_path, rep.str());

    std::ostringstream md;
    md << "# rnnopt-demo repellers\n\n";
    for (const std::string& n : result.notes) md << n << "\n\n";
    md << config.instances << " instances from " << result.instance_names.front() << ", "
       << config.budget << " evaluations each\n\n"
       << result.table << "\nBest policy on " << result.instance_names[0] << ": "
       << result.best_method << ", J = " << fmt(result.best_return, 4) << "\n";
    const fs::path md_path = config.out / "summary.md";
    write_text_atomic(md_path, md.str());
    result.files = {csv_path, traj_path, rep_path, md_path};

    const fs::path png1 = config.out / "repellers_best.png";
    std::ostringstream gp;
    gp << png_terminal(900, 600) << "\nset output '" << png1.string() << "'\n"
       << "set datafile separator ','\nset key bottom right\nset grid\n"
       << "set title 'Repellers: best return J (mean, 95% bands), " << ni << " instances'\n"
       << "set xlabel 'evaluations'\nset ylabel 'best J'\n"
       << "set style fill transparent solid 0.2 noborder\nplot ";
    gp << band_plot_items(csv_path, names) << "\n";
    if (render_png(config.out / "repellers_best.gp", gp.str(), log)) result.files.push_back(png1);

    const fs::path png2 = config.out / "repellers_trajectories.png";
    const double max_s = functions::RepellersConstants::kMaxStrength;
    std::ostringstream gp2;
    gp2 << png_terminal(760, 860) << "\nset output '" << png2.string() << "'\n"
        << "set size ratio -1\nset xrange [0:1]\nset yrange [0:1]\n"
        << "set key below horizontal maxrows 2\nset xlabel 'x'\nset ylabel 'y'\n"
        << "set title \"" << task.name() << ": best policy (" << result.best_method
        << "), J = " << fmt(result.best_return, 3) << "\"\n"
        << "set object 1 circle at " << task.goal().x() << "," << task.goal().y() << " size "
        << functions::RepellersConstants::kGoalRadius
        << " fc rgb '#2ca02c' fs transparent solid 0.3 border lc rgb '#2ca02c'\n"
        << "plot for [p=0:" << paths.size() - 1 << "] '" << traj_path.string()
        << "' index p using 2:3 with lines lw 2 title sprintf('particle %d', p+1), '"
        << rep_path.string() << "' using 1:2:(1.5 + 4 * $3 / " << max_s
        << ") with points pt 7 ps variable lc rgb 'red' title 'repellers (size: strength)'\n";
    if (render_png(config.out / "repellers_trajectories.gp", gp2.str(), log)) {
      result.files.push_back(png2);
    }
  }
  return result;
}

}  // namespace rnnopt::demos
