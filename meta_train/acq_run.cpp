#include "meta_train/acq_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "core/durable_file.h"
#include "core/gnuplot.h"
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

// The number a run keeps its best checkpoint by: the mean over the validation horizons of the log
// mean regret (so that t = 100's small regrets weigh like t = 10's large ones). Lower is better.
double validation_score(const std::vector<double>& mean) {
  double s = 0.0;
  for (double m : mean) s += std::log(std::max(m, 1e-12));
  return mean.empty() ? 0.0 : s / static_cast<double>(mean.size());
}

// The best model validation recorded in metrics.jsonl up to `iteration` (first of equals):
// {iteration, score}, iteration -1 when there is none.
std::pair<int, double> best_in_metrics(const fs::path& path, int iteration) {
  std::ifstream in(path);
  std::string line;
  std::pair<int, double> best{-1, 0.0};
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("type", "") != "validation" ||
        j.value("policy", "") != "model" || j.value("iteration", 0) > iteration) {
      continue;
    }
    const double s = validation_score(j["mean"].get<std::vector<double>>());
    if (best.first < 0 || s < best.second) best = {j["iteration"].get<int>(), s};
  }
  return best;
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
  write_file_durably(path, kept);
  return cpu;
}

// Validation regret against CPU minutes (one curve per reported t) and the training loss.
void plot_curves(const fs::path& dir) {
  std::ifstream in(dir / "metrics.jsonl");
  std::ostringstream val, train;
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
  write_file_durably(dir / "validation.tsv", val.str());
  write_file_durably(dir / "train.tsv", train.str());
  if (train.str().empty()) return;  // no training step yet (steps 0): nothing to plot
  std::ostringstream gp;
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
  write_file_durably(dir / "curves.gp", gp.str());
  if (!run_gnuplot(dir / "curves.gp").ok()) std::cerr << "warning: gnuplot failed; no curves.png\n";
}

// Bytes received from rank 0 as a file for the loaders, removed when it goes out of scope.
struct TempFile {
  fs::path path;
  TempFile(const std::string& name, const std::string& bytes)
      : path(fs::temp_directory_path() / ("rnnopt-" + std::to_string(::getpid()) + "-" + name)) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

}  // namespace

int run_acquisition_training(const AcqRunOptions& o) {
  Distributed* group = o.group && o.group->world_size() > 1 ? o.group : nullptr;
  const int rank = group ? group->rank() : 0;
  const int ranks = group ? group->world_size() : 1;
  const bool lead = rank == 0;  // owns the run folder; alone validates and writes
  const fs::path dir(o.run_dir);
  const fs::path checkpoint = dir / "checkpoint.pt";
  const fs::path best_checkpoint = dir / "best.pt";
  json doc = o.config;
  bool resume = o.resume;
  std::string config_text, checkpoint_bytes, init_bytes;
  if (lead) {
    if (o.resume) {
      if (!fs::exists(checkpoint)) throw std::runtime_error("--resume: no " + checkpoint.string());
      doc = load_config_json((dir / "config.json").string());
    } else if (fs::exists(checkpoint)) {
      throw std::runtime_error(dir.string() +
                               " already holds a run; use --resume or another --out");
    }
    config_text = acq_config_to_json(acq_config_from_json(doc)).dump();
    if (group) {
      if (o.resume) checkpoint_bytes = read_file(checkpoint);
      if (!o.init_model.empty()) init_bytes = read_file(o.init_model);
    }
  }
  // The other ranks train rank 0's config from rank 0's starting state.
  if (group) {
    group->share_from_rank0("config", config_text);
    group->share_from_rank0("checkpoint", checkpoint_bytes);
    group->share_from_rank0("init", init_bytes);
  }
  if (!lead) {
    doc = json::parse(config_text);
    resume = !checkpoint_bytes.empty();
  }
  const AcqTrainConfig config = acq_config_from_json(doc);
  if (lead) {
    fs::create_directories(dir);
    write_file_durably(dir / "config.json", acq_config_to_json(config).dump(2) + "\n");
    std::cout << "seed: " << config.seed << " (recorded in " << (dir / "config.json").string()
              << ")\nacquisition head: LSTM " << config.num_layers << "x" << config.hidden_size
              << ", head " << config.acquisition.head_width << ", "
              << config.acquisition.uniform_candidates + config.acquisition.local_candidates
              << " candidates, " << config.acquisition.kernels.size()
              << " reference kernels, d = " << config.d << ", prior " << config.prior.describe()
              << ", batch " << config.batch_size << ", T " << config.horizon << ", steps "
              << config.steps << std::endl;
    if (group) {
      std::cout << "data-parallel: " << ranks << " processes (store "
                << group->options().store_address() << "), " << o.threads
                << " LibTorch thread(s) each" << std::endl;
    }
    std::cout << "validation functions: finding f* (cached in validation_minima.txt)" << std::endl;
  } else {
    std::cout << "rank " << rank << " of " << ranks << " (store "
              << group->options().store_address() << "): episodes b = " << rank << ", "
              << rank + ranks << ", ... of each batch of " << config.batch_size << "; seed "
              << config.seed << std::endl;
  }
  // Only rank 0 validates: the others need no validation set (nor its minima).
  AcqTrainConfig trainer_config = config;
  if (!lead) trainer_config.validation_functions = 1;
  AcqTrainer trainer(trainer_config, o.threads,
                     lead ? (dir / "validation_minima.txt").string() : std::string(), group);
  const fs::path metrics_path = dir / "metrics.jsonl";
  double cpu_minutes = 0.0;
  if (resume) {
    if (lead) {
      trainer.load_checkpoint(checkpoint.string());
      cpu_minutes = truncate_metrics(metrics_path, trainer.iteration());
      std::cout << "resumed at iteration " << trainer.iteration() << " (" << cpu_minutes
                << " CPU minutes so far)" << std::endl;
    } else {
      trainer.load_checkpoint(
          TempFile("rank" + std::to_string(rank) + ".pt", checkpoint_bytes).path.string());
      std::cout << "resumed at iteration " << trainer.iteration() << std::endl;
    }
  } else if (lead) {
    if (!o.init_model.empty()) trainer.set_weights(read_model_file(o.init_model));
    write_file_durably(metrics_path, "");
  } else if (!init_bytes.empty()) {
    trainer.set_weights(read_model_file(
        TempFile("rank" + std::to_string(rank) + ".safetensors", init_bytes).path.string()));
  }
  std::ofstream metrics;
  if (lead) metrics.open(metrics_path, std::ios::app);
  // The best validated model so far (best.pt, rnnopt-export --best): on resume from the metrics
  // kept up to the checkpoint (a best.pt written after it is rewritten when its iteration is
  // redone).
  auto [best_iteration, best_score] = lead && resume
                                          ? best_in_metrics(metrics_path, trainer.iteration())
                                          : std::pair<int, double>{-1, 0.0};
  auto keep_if_best = [&](const AcqValidation& v) {
    const double s = validation_score(v.mean);
    if (best_iteration >= 0 && s >= best_score) return;
    best_iteration = v.iteration;
    best_score = s;
    trainer.save_checkpoint(best_checkpoint.string());
    const json best{
        {"iteration", v.iteration}, {"score", s}, {"at", v.at}, {"mean", v.mean}, {"ci95", v.ci95}};
    write_file_durably(dir / "best.json", best.dump(2) + "\n");
  };
  if (lead && trainer.iteration() == 0) {
    std::vector<std::string> policies{"random", "teacher"};
    for (std::size_t k = 0; k < config.acquisition.kernels.size(); ++k) {
      policies.push_back("bank:" + std::to_string(k));
    }
    std::size_t extra = config.acquisition.kernels.size();
    if (config.acquisition.evidence) {  // the evidence-weighted mixture of the bank
      policies.push_back("bank:" + std::to_string(extra++));
    }
    if (config.acquisition.fitted) {  // the fitted kernel's GP-EI
      policies.push_back("bank:" + std::to_string(extra++));
    }
    policies.push_back("model");
    for (const std::string& policy : policies) {
      const AcqValidation v = trainer.validate(policy);
      metrics << validation_json(v, 0.0).dump() << std::endl;
      std::cout << "validation " << policy << ": " << regret_line(v) << std::endl;
      if (policy == "model") keep_if_best(v);
    }
  }
  // The others wait here while rank 0 finds the validation minima and validates.
  if (group) group->barrier(o.solo_timeout_seconds);
  const auto start = std::chrono::steady_clock::now();
  const bool tty = isatty(STDOUT_FILENO) != 0;
  int code = 0;
  std::string last_val = "-";
  while (trainer.iteration() < config.steps) {
    const AcqStepStats s = trainer.train_step();
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
    bool stop = (o.stop && o.stop()) || (o.max_minutes > 0 && minutes >= o.max_minutes);
    // Every rank stops at the same iteration when any rank is asked to; the CPU time is the
    // whole group's (the curves compare designs at equal compute).
    double cpu_seconds = s.cpu_seconds;
    if (group) {
      std::vector<double> v{cpu_seconds, stop ? 1.0 : 0.0};
      group->allreduce_sum(v);
      cpu_seconds = v[0];
      stop = v[1] > 0.0;
    }
    cpu_minutes += cpu_seconds / 60.0;
    const bool validate = s.iteration % config.validate_every == 0 || s.iteration == config.steps;
    const bool save =
        s.iteration % config.checkpoint_every == 0 || stop || s.iteration == config.steps;
    if (lead) {
      json line{{"type", "train"},
                {"iteration", s.iteration},
                {"loss", s.loss},
                {"agreement", s.agreement},
                {"log_ei_gap", s.log_ei_gap},
                {"mean_best_y", s.mean_best_y},
                {"grad_norm", s.grad_norm},
                {"lr", s.lr},
                {"teacher_share", s.teacher_share},
                {"seconds", s.seconds},
                {"cpu_seconds", cpu_seconds},
                {"cpu_minutes", cpu_minutes},
                {"t_features", s.t_features},
                {"t_teacher", s.t_teacher},
                {"t_network", s.t_network},
                {"t_backward", s.t_backward},
                {"t_update", s.t_update}};
      if (group) line["processes"] = ranks;
      metrics << line.dump() << '\n';
      if (validate) {
        const AcqValidation v = trainer.validate("model");
        metrics << validation_json(v, cpu_minutes).dump() << '\n';
        metrics.flush();
        keep_if_best(v);
        last_val = regret_line(v) + " @" + std::to_string(v.iteration) + " (best @" +
                   std::to_string(best_iteration) + ")";
      }
      if (save) {
        metrics.flush();
        sync_file(metrics_path);  // the lines up to a checkpoint survive a power cut with it
        trainer.save_checkpoint(checkpoint.string());
      }
    }
    if (group && (validate || save)) group->barrier(o.solo_timeout_seconds);
    if (tty || s.iteration % 10 == 0) {
      std::ostringstream line;
      line.precision(4);
      line << "[" << s.iteration << "/" << config.steps << "] loss " << s.loss << " agree "
           << s.agreement << " gap " << s.log_ei_gap << " | " << s.seconds << " s/it (feat "
           << s.t_features << " teach " << s.t_teacher << " net " << s.t_network << " bwd "
           << s.t_backward << ") | " << cpu_minutes << " CPU min";
      if (lead) line << " | val " << last_val;
      std::cout << (tty ? "\r" : "") << line.str() << (tty ? "   " : "\n") << std::flush;
    }
    if (stop) {
      code = 2;
      break;
    }
  }
  if (tty) std::cout << '\n';
  if (!lead) {
    std::cout << (code ? "stopped" : "done") << " at iteration " << trainer.iteration()
              << " (rank 0 holds the checkpoint)" << std::endl;
    return code;
  }
  metrics.flush();
  sync_file(metrics_path);
  trainer.save_checkpoint(checkpoint.string());
  plot_curves(dir);
  std::cout << (code ? "stopped" : "done") << " at iteration " << trainer.iteration()
            << "; checkpoint " << checkpoint.string() << " (continue with --resume); export with "
            << "rnnopt-export " << dir.string() << " --out models/NAME.safetensors";
  if (best_iteration >= 0) {
    std::cout << " (the last iteration) or with --best (iteration " << best_iteration
              << ", the best validation)";
  }
  std::cout << std::endl;
  return code;
}

ModelFile export_acquisition_run(const std::string& run_dir, const std::string& name,
                                 nlohmann::json info, bool best) {
  const fs::path dir(run_dir);
  AcqTrainConfig config = acq_config_from_json(load_config_json((dir / "config.json").string()));
  if (!name.empty()) config.name = name;
  config.validation_functions = 1;  // export needs no validation set
  AcqTrainer trainer(config, 1, "");
  const fs::path checkpoint = dir / (best ? "best.pt" : "checkpoint.pt");
  if (!fs::exists(checkpoint)) {
    throw std::runtime_error(
        "no " + checkpoint.string() +
        (best ? " (the run predates best checkpoints or never validated)" : ""));
  }
  trainer.load_checkpoint(checkpoint.string());
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
  info["cpu_hours"] = cpu_minutes / 60.0;  // the whole run's (selecting the best used all of it)
  info["iteration"] = trainer.iteration();
  info["checkpoint"] = best ? "best validation" : "last";
  return trainer.export_model(info);
}

}  // namespace rnnopt::train
