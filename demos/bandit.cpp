#include "demos/bandit.h"

#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "baselines/gp_ucb.h"
#include "baselines/random_search.h"
#include "core/kernel.h"
#include "core/parallel_for.h"
#include "core/rng.h"
#include "demos/common.h"
#include "demos/model_picker.h"
#include "baselines/thompson.h"
#include "functions/gp_sample.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::demos {

namespace fs = std::filesystem;

void BanditConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("bandit: " + what); };
  if (dim < 1 || dim > 6) bad("--dim must be in 1..6, got " + std::to_string(dim));
  if (pulls < 2) bad("--pulls must be >= 2, got " + std::to_string(pulls));
  if (bandits < 2) bad("--bandits must be >= 2, got " + std::to_string(bandits));
  if (!(noise_sd >= 0.0) || !std::isfinite(noise_sd)) bad("--noise must be finite and >= 0");
  if (threads < 1) bad("--threads must be >= 1");
  if (candidates < 10) bad("--candidates must be >= 10");
  if (max_rnn_models < 1) bad("--rnn-models must be >= 1");
  if (methods.empty()) bad("--methods is empty");
  for (const std::string& m : methods) {
    if (m != "rnn" && m != "gp-ucb" && m != "thompson" && m != "random") {
      bad("unknown method '" + m + "' (known: rnn, gp-ucb, thompson, random)");
    }
  }
}

BanditResult run_bandit(const BanditConfig& config, std::ostream& log) {
  config.validate();
  if (!config.out.empty()) prepare_out_dir(config.out);
  BanditResult result;
  const functions::GpPrior prior;  // the RNN models' training prior
  const int d = config.dim;

  // Which methods run, with the RNN model chosen from the models folder.
  struct Method {
    std::string name;
    std::string kind;
    std::shared_ptr<const Model> model;
  };
  std::vector<Method> methods;
  for (const std::string& m : config.methods) {
    if (m == "rnn") {
      // Every fitting sequential model (up to max_rnn_models), the summed-loss one first.
      ModelQuery q;
      q.dim = d;
      q.prefer_loss = "sum";
      q.require_sequential = true;
      const fs::path dir = config.models_dir.empty() ? default_models_dir() : config.models_dir;
      std::vector<std::string> skipped;
      std::string message;
      const auto picks = pick_models(dir, q, config.max_rnn_models, &skipped, &message);
      for (const std::string& s : skipped) result.notes.push_back("skipped model " + s);
      if (picks.empty()) result.notes.push_back(message);
      for (const ModelPick& pick : picks) {
        result.notes.push_back("RNN model: " + pick.path.string() + " (loss " +
                               (pick.loss.empty() ? "unknown" : pick.loss) + ")");
        methods.push_back({pick.label, "rnn", pick.model});
      }
    } else {
      methods.push_back({m, m, nullptr});
    }
  }
  if (methods.empty()) throw std::invalid_argument("bandit: no method can run");
  for (const std::string& n : result.notes) log << n << "\n";
  log << "bandit: d=" << d << ", " << config.bandits << " bandits x " << config.pulls
      << " pulls, noise sd " << config.noise_sd << ", prior " << prior.describe() << ", seed "
      << config.seed << "\n";

  const int nb = config.bandits;
  const int nm = static_cast<int>(methods.size());
  std::vector<std::shared_ptr<functions::GpSample>> fs_(nb);
  std::vector<double> f_star(nb);
  parallel_for(nb, config.threads, [&](int b) {
    fs_[b] = functions::draw_gp_sample(prior, d, derive_seed(config.seed, b));
    f_star[b] = *fs_[b]->known_minimum();
  });

  result.methods.resize(nm);
  std::vector<std::vector<double>> propose_time(nm, std::vector<double>(nb, 0.0));
  for (int k = 0; k < nm; ++k) {
    result.methods[k].name = methods[k].name;
    result.methods[k].cumulative.assign(nb, std::vector<double>(config.pulls, 0.0));
  }
  parallel_for(nb * nm, config.threads, [&](int job) {
    const int b = job / nm;
    const int k = job % nm;
    const functions::GpSample& f = *fs_[b];
    const Box box{f.lower(), f.upper()};
    const std::uint64_t run_seed =
        derive_seed(derive_seed(config.seed, b), name_stream(methods[k].name));
    std::unique_ptr<Optimizer> opt;
    const std::string& kind = methods[k].kind;
    if (kind == "rnn") {
      RnnOptimizerOptions o;
      o.horizon = config.pulls;
      opt = std::make_unique<RnnOptimizer>(methods[k].model, box, o, run_seed);
    } else if (kind == "gp-ucb") {
      baselines::GpUcbOptions o;
      o.gp.kernel = KernelKind::kRbf;
      o.gp.amplitude2 = prior.variance;
      o.gp.length_scales = f.params().length_scales;  // [-1,1]^d is the box: box units
      o.gp.noise = config.noise_sd * config.noise_sd;
      o.beta_scale = 0.2;
      o.gp.search.grid_size = 2000;
      o.gp.search.grid_subset = 5;
      o.gp.search.num_threads = 1;
      opt = std::make_unique<baselines::GpUcb>(box, o, run_seed);
    } else if (kind == "thompson") {
      baselines::ThompsonOptions o;
      o.amplitude2 = prior.variance;
      o.length_scales = f.params().length_scales;
      o.noise = std::max(1e-6, config.noise_sd * config.noise_sd);
      o.num_candidates = config.candidates;
      opt = std::make_unique<baselines::ThompsonSampling>(box, o, run_seed);
    } else {
      opt = std::make_unique<baselines::RandomSearch>(box, run_seed);
    }
    Rng noise(derive_seed(derive_seed(config.seed, b), 7));
    double cum = 0.0;
    double us = 0.0;
    for (int t = 0; t < config.pulls; ++t) {
      const auto t0 = std::chrono::steady_clock::now();
      const Eigen::VectorXd x = opt->propose();
      us +=
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      const double fx = f.value_unchecked(x);
      opt->observe(x, fx + config.noise_sd * noise.normal());
      cum += std::max(0.0, fx - f_star[b]);
      result.methods[k].cumulative[b][t] = cum;
    }
    propose_time[k][b] = us / config.pulls;
  });

  std::vector<std::vector<std::string>> rows;
  const int last = std::min(10, config.pulls);
  for (int k = 0; k < nm; ++k) {
    BanditMethodResult& m = result.methods[k];
    m.propose_us = mean_ci(propose_time[k]).mean;
    std::vector<double> final_r, late;
    for (int b = 0; b < nb; ++b) {
      final_r.push_back(m.cumulative[b].back());
      const double before = config.pulls > last ? m.cumulative[b][config.pulls - last - 1] : 0.0;
      late.push_back((m.cumulative[b].back() - before) / last);
    }
    const MeanCi s = mean_ci(final_r);
    const MeanCi l = mean_ci(late);
    rows.push_back({m.name, fmt(s.mean, 2) + " ± " + fmt(s.half_width, 2), fmt(s.median, 2),
                    fmt(l.mean, 3), fmt(m.propose_us / 1000.0, 2)});
  }
  result.table = format_table({"method", "cum. regret R_T (mean ± 95%)", "median R_T",
                               "regret/pull, last " + std::to_string(last), "propose ms"},
                              rows);
  log << "\nCumulative regret after T=" << config.pulls << " pulls over " << nb
      << " bandits (lower is better):\n"
      << result.table;

  if (!config.out.empty()) {
    // Mean cumulative regret with 95% bands, per pull.
    std::vector<std::string> names;
    for (const auto& m : result.methods) names.push_back(m.name);
    const fs::path csv_path = config.out / "bandit_regret.csv";
    write_text_atomic(csv_path, band_csv("t", names, config.pulls, [&](int k, int t) {
                        std::vector<double> v;
                        for (int b = 0; b < nb; ++b)
                          v.push_back(result.methods[k].cumulative[b][t]);
                        return v;
                      }));
    std::ostringstream md;
    md << "# rnnopt-demo bandit\n\n";
    for (const std::string& n : result.notes) md << n << "\n\n";
    md << "d=" << d << ", " << nb << " bandits x " << config.pulls << " pulls, noise sd "
       << config.noise_sd << ", seed " << config.seed << "\n\n"
       << result.table;
    const fs::path md_path = config.out / "summary.md";
    write_text_atomic(md_path, md.str());
    result.files = {csv_path, md_path};

    std::ostringstream gp;
    const fs::path png = config.out / "bandit_regret.png";
    gp << png_terminal(900, 600) << "\nset output '" << png.string() << "'\n"
       << "set datafile separator ','\nset key top left\nset grid\n"
       << "set title 'Continuous correlated bandits: mean cumulative regret (95% bands), d=" << d
       << ", " << nb << " bandits'\nset xlabel 'pull t'\nset ylabel 'cumulative regret'\n"
       << "set style fill transparent solid 0.2 noborder\nplot ";
    gp << band_plot_items(csv_path, names) << "\n";
    if (render_png(config.out / "bandit_regret.gp", gp.str(), log)) result.files.push_back(png);
  }
  return result;
}

}  // namespace rnnopt::demos
