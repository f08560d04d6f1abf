#include "meta_train/acq_run.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "meta_train/acq_trainer.h"
#include "meta_train/train_config.h"

namespace rnnopt::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json validation_json(const AcqValidation& v, double cpu_minutes) {
  return json{{"type", "validation"},
              {"iteration", v.iteration},
              {"policy", v.policy},
              {"functions", v.functions},
              {"at", v.at},
              {"mean", v.mean},
              {"ci95", v.ci95},
              {"median", v.median},
              {"cpu_minutes", cpu_minutes}};
}

std::string regret_line(const AcqValidation& v) {
  std::ostringstream os;
  os.precision(3);
  for (std::size_t i = 0; i < v.at.size(); ++i) {
    os << (i ? " " : "") << "t" << v.at[i] << "=" << v.mean[i];
  }
  return os.str();
}

// Keeps the metrics lines up to `iteration` (lines after the checkpoint are redone on resume) and
// returns the CPU minutes recorded up to it.
double truncate_metrics(const fs::path& path, int iteration) {
  std::ifstream in(path);
  std::string line, kept;
  double cpu = 0.0;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("iteration", 0) > iteration) continue;
    if (j.value("type", "") == "train") cpu = j.value("cpu_minutes", cpu);
    kept += line + "\n";
  }
  write_text_atomically(path.string(), kept);
  return cpu;
}

// Validation regret against CPU minutes (one curve per reported t) and the training loss.
void plot_curves(const fs::path& dir) {
  std::ifstream in(dir / "metrics.jsonl");
  std::ofstream val(dir / "validation.tsv"), train(dir / "train.tsv");
  std::string line;
  std::vector<int> at;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.value("type", "") == "train") {
      train << j["iteration"] << '\t' << j["cpu_minutes"].get<double>() << '\t'
            << j["loss"].get<double>() << '\n';
    } else if (j.value("type", "") == "validation" && j.value("policy", "") == "model") {
      at = j["at"].get<std::vector<int>>();
      val << j["cpu_minutes"].get<double>();
      for (double m : j["mean"]) val << '\t' << m;
      val << '\n';
    }
  }
  val.close();
  train.close();
  std::ofstream gp(dir / "curves.gp");
  gp << "set terminal png size 1000,800 noenhanced\nset output '" << (dir / "curves.png").string()
     << "'\nset multiplot layout 2,1\nset grid\nset xlabel 'CPU minutes'\n"
     << "set title 'validation: mean regret on held-out GP functions'\nset logscale y\nplot ";
  for (std::size_t i = 0; i < at.size(); ++i) {
    gp << (i ? ", " : "") << "'" << (dir / "validation.tsv").string() << "' using 1:" << i + 2
       << " with linespoints title 't = " << at[i] << "'";
  }
  if (at.empty()) gp << "0 notitle";
  gp << "\nunset logscale y\nset title 'training loss (listwise cross-entropy)'\nplot '"
     << (dir / "train.tsv").string() << "' using 2:3 with lines title 'loss'\nunset multiplot\n";
  gp.close();
  const std::string cmd = "gnuplot '" + (dir / "curves.gp").string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) std::cerr << "warning: gnuplot failed; no curves.png\n";
}

}  // namespace

int run_acquisition_training(const AcqRunOptions& o) {
  const fs::path dir(o.run_dir);
  const fs::path checkpoint = dir / "checkpoint.pt";
  json doc = o.config;
  if (o.resume) {
    if (!fs::exists(checkpoint)) throw std::runtime_error("--resume: no " + checkpoint.string());
    doc = load_config_json((dir / "config.json").string());
  } else if (fs::exists(checkpoint)) {
    throw std::runtime_error(dir.string() + " already holds a run; use --resume or another --out");
  }
  const AcqTrainConfig config = acq_config_from_json(doc);
  fs::create_directories(dir);
  write_text_atomically((dir / "config.json").string(), acq_config_to_json(config).dump(2) + "\n");
  std::cout << "seed: " << config.seed << " (recorded in " << (dir / "config.json").string()
            << ")\nacquisition head: LSTM " << config.num_layers << "x" << config.hidden_size
            << ", head " << config.acquisition.head_width << ", "
            << config.acquisition.uniform_candidates + config.acquisition.local_candidates
            << " candidates, " << config.acquisition.kernels.size()
            << " reference kernels, d = " << config.d << ", prior " << config.prior.describe()
            << ", batch " << config.batch_size << ", T " << config.horizon << ", steps "
            << config.steps << std::endl;
  std::cout << "validation functions: finding f* (cached in validation_minima.txt)" << std::endl;
  AcqTrainer trainer(config, o.threads, (dir / "validation_minima.txt").string());
  const fs::path metrics_path = dir / "metrics.jsonl";
  double cpu_minutes = 0.0;
  if (o.resume) {
    trainer.load_checkpoint(checkpoint.string());
    cpu_minutes = truncate_metrics(metrics_path, trainer.iteration());
    std::cout << "resumed at iteration " << trainer.iteration() << " (" << cpu_minutes
              << " CPU minutes so far)" << std::endl;
  } else {
    if (!o.init_model.empty()) trainer.set_weights(read_model_file(o.init_model));
    std::ofstream(metrics_path, std::ios::trunc);
  }
  std::ofstream metrics(metrics_path, std::ios::app);
  if (trainer.iteration() == 0) {
    std::vector<std::string> policies{"random", "teacher"};
    for (std::size_t k = 0; k < config.acquisition.kernels.size(); ++k) {
      policies.push_back("bank:" + std::to_string(k));
    }
    policies.push_back("model");
    for (const std::string& policy : policies) {
      const AcqValidation v = trainer.validate(policy);
      metrics << validation_json(v, 0.0).dump() << std::endl;
      std::cout << "validation " << policy << ": " << regret_line(v) << std::endl;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const bool tty = isatty(STDOUT_FILENO) != 0;
  int code = 0;
  std::string last_val = "-";
  while (trainer.iteration() < config.steps) {
    const AcqStepStats s = trainer.train_step();
    cpu_minutes += s.cpu_seconds / 60.0;
    metrics << json{{"type", "train"},
                    {"iteration", s.iteration},
                    {"loss", s.loss},
                    {"agreement", s.agreement},
                    {"log_ei_gap", s.log_ei_gap},
                    {"mean_best_y", s.mean_best_y},
                    {"grad_norm", s.grad_norm},
                    {"lr", s.lr},
                    {"teacher_share", s.teacher_share},
                    {"seconds", s.seconds},
                    {"cpu_seconds", s.cpu_seconds},
                    {"cpu_minutes", cpu_minutes},
                    {"t_features", s.t_features},
                    {"t_teacher", s.t_teacher},
                    {"t_network", s.t_network},
                    {"t_backward", s.t_backward},
                    {"t_update", s.t_update}}
                   .dump()
            << '\n';
    if (s.iteration % config.validate_every == 0 || s.iteration == config.steps) {
      const AcqValidation v = trainer.validate("model");
      metrics << validation_json(v, cpu_minutes).dump() << '\n';
      last_val = regret_line(v) + " @" + std::to_string(v.iteration);
    }
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
    const bool stop = (o.stop && o.stop()) || (o.max_minutes > 0 && minutes >= o.max_minutes);
    if (s.iteration % config.checkpoint_every == 0 || stop || s.iteration == config.steps) {
      metrics.flush();
      trainer.save_checkpoint(checkpoint.string());
    }
    if (tty || s.iteration % 10 == 0) {
      std::ostringstream line;
      line.precision(4);
      line << "[" << s.iteration << "/" << config.steps << "] loss " << s.loss << " agree "
           << s.agreement << " gap " << s.log_ei_gap << " | " << s.seconds << " s/it (feat "
           << s.t_features << " teach " << s.t_teacher << " net " << s.t_network << " bwd "
           << s.t_backward << ") | " << cpu_minutes << " CPU min | val " << last_val;
      std::cout << (tty ? "\r" : "") << line.str() << (tty ? "   " : "\n") << std::flush;
    }
    if (stop) {
      code = 2;
      break;
    }
  }
  if (tty) std::cout << '\n';
  metrics.flush();
  trainer.save_checkpoint(checkpoint.string());
  plot_curves(dir);
  std::cout << (code ? "stopped" : "done") << " at iteration " << trainer.iteration()
            << "; checkpoint " << checkpoint.string() << " (continue with --resume); export with "
            << "rnnopt-export " << dir.string() << " --out models/NAME.safetensors" << std::endl;
  return code;
}

ModelFile export_acquisition_run(const std::string& run_dir, const std::string& name,
                                 nlohmann::json info) {
  const fs::path dir(run_dir);
  AcqTrainConfig config = acq_config_from_json(load_config_json((dir / "config.json").string()));
  if (!name.empty()) config.name = name;
  config.validation_functions = 1;  // export needs no validation set
  AcqTrainer trainer(config, 1, "");
  trainer.load_checkpoint((dir / "checkpoint.pt").string());
  double cpu_minutes = 0.0;
  {
    std::ifstream in(dir / "metrics.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("type", "") == "train") {
        cpu_minutes = j.value("cpu_minutes", cpu_minutes);
      }
    }
  }
  info["cpu_hours"] = cpu_minutes / 60.0;
  return trainer.export_model(info);
}

}  // namespace rnnopt::train
