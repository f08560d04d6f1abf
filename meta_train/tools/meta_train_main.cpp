// rnnopt-meta-train: meta-trains an LSTM or DNC optimizer on GP prior samples
// (meta_train/README.md).
//
//   rnnopt-meta-train --config meta_train/configs/lstm-oi-d2.json --out runs/lstm-oi-d2
//   rnnopt-meta-train --out runs/lstm-oi-d2 --resume          # continues exactly
//   rnnopt-meta-train --config meta_train/configs/acq-lstm-d2.json --out runs/acq --processes 2
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/durable_file.h"
#include "core/gnuplot.h"
#include "core/tool.h"
#include "meta_train/acq_config.h"
#include "meta_train/acq_run.h"
#include "meta_train/distributed.h"
#include "meta_train/trainer.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::atomic<int> g_signal{0};
extern "C" void on_signal(int sig) { g_signal.store(sig); }

// Keeps the metrics lines up to `iteration` (those written after the last checkpoint are redone).
void truncate_metrics(const fs::path& path, int iteration) {
  std::ifstream in(path);
  if (!in) return;
  std::string line, kept;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("iteration", 0) <= iteration) kept += line + "\n";
  }
  rnnopt::write_file_durably(path, kept);
}

std::string hms(double seconds) {
  const long s = static_cast<long>(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

// Training and validation curves as a PNG through gnuplot (best effort: a warning on failure).
void plot_curves(const fs::path& run_dir) {
  std::ifstream in(run_dir / "metrics.jsonl");
  std::ostringstream train, val;
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.value("type", "") == "train") {
      train << j["iteration"] << '\t' << j["loss"].get<double>() << '\t' << j["horizon"] << '\n';
    } else if (j.value("type", "") == "validation") {
      val << j["iteration"] << '\t' << j["mean_regret"].get<double>() << '\t'
          << j["ci95"].get<double>() << '\n';
    }
  }
  rnnopt::write_file_durably(run_dir / "train.tsv", train.str());
  rnnopt::write_file_durably(run_dir / "validation.tsv", val.str());
  const std::string terminal = rnnopt::gnuplot_png_terminal();
  if (terminal.empty()) {
    std::cerr << "warning: gnuplot with a PNG terminal not found; curves.png not written\n";
    return;
  }
  const fs::path script = run_dir / "curves.gp";
  std::ostringstream gp;
  gp << "set terminal " << terminal << " size 1000,700 noenhanced\n"
     << "set output '" << (run_dir / "curves.png").string() << "'\n"
     << "set multiplot layout 2,1\n"
     << "set title 'training loss (mean over the batch of the summed loss)'\n"
     << "set xlabel 'iteration'\nset grid\n"
     << "plot '" << (run_dir / "train.tsv").string() << "' using 1:2 with lines title 'loss'\n"
     << "set title 'validation: mean regret at the horizon, 95% interval'\n"
     << "set logscale y\n"
     << "plot '" << (run_dir / "validation.tsv").string()
     << "' using 1:2:3 with yerrorlines title 'regret'\n"
     << "unset multiplot\n";
  rnnopt::write_file_durably(script, gp.str());
  if (!rnnopt::run_gnuplot(script).ok()) {
    std::cerr << "warning: gnuplot failed; curves.png not written\n";
  }
}

// A TCP port on the loopback interface that is free now (for a local group's store).
int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("--processes: cannot open a socket to find a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("--processes: cannot find a free port on 127.0.0.1");
  return ntohs(a.sin_port);
}

// Ranks 1..N-1 of a local group (--processes N): this binary again, each with its output in
// RUN_DIR/rank-i.log. The destructor (rank 0 done or failed) waits for them, ending those still
// running after a grace period; finish() reports how each ended.
class LocalRanks {
 public:
  LocalRanks(int processes, const std::vector<std::string>& common, const fs::path& run_dir) {
    for (int r = 1; r < processes; ++r) {
      const fs::path log = run_dir / ("rank-" + std::to_string(r) + ".log");
      std::vector<std::string> args{"rnnopt-meta-train", "--rank", std::to_string(r)};
      args.insert(args.end(), common.begin(), common.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) throw std::runtime_error("--processes: cannot write " + log.string());
      std::cout.flush();
      const pid_t pid = ::fork();
      if (pid < 0) {
        ::close(fd);
        throw std::runtime_error("--processes: fork failed");
      }
      if (pid == 0) {
        // The child: ended with rank 0 (SIGTERM when its parent dies), output to its log.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::execv("/proc/self/exe", argv.data());
        std::perror("rnnopt-meta-train: --processes: exec failed");
        ::_exit(127);
      }
      ::close(fd);
      ranks_.push_back({r, pid, log, -1});
      std::cout << "rank " << r << ": pid " << pid << ", output in " << log.string() << std::endl;
    }
  }
  LocalRanks(const LocalRanks&) = delete;
  LocalRanks& operator=(const LocalRanks&) = delete;
  ~LocalRanks() { wait_all(5.0); }

  // Waits for every rank; returns false (after printing why) when one did not end with `code`.
  bool finish(int code) {
    wait_all(-1.0);
    bool ok = true;
    for (const Rank& r : ranks_) {
      if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == code) continue;
      ok = false;
      std::cerr << "rnnopt-meta-train: rank " << r.rank << " (pid " << r.pid << ") "
                << describe(r.status) << "; see " << r.log.string() << std::endl;
    }
    return ok;
  }

  // After rank 0 failed: which ranks ended, and how (the likely cause).
  void report_ended() {
    wait_all(2.0);
    for (const Rank& r : ranks_) {
      if (r.status != -1 && !(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)) {
        std::cerr << "rnnopt-meta-train: rank " << r.rank << " (pid " << r.pid << ") "
                  << describe(r.status) << "; see " << r.log.string() << std::endl;
      }
    }
  }

 private:
  struct Rank {
    int rank;
    pid_t pid;
    fs::path log;
    int status;  // -1 while running
  };

  static std::string describe(int status) {
    if (status == -1) return "did not end";
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  }

  // Reaps the ranks; grace < 0 waits without limit, else SIGTERM then SIGKILL after `grace` s.
  void wait_all(double grace) {
    const auto start = std::chrono::steady_clock::now();
    bool termed = false;
    for (;;) {
      bool running = false;
      for (Rank& r : ranks_) {
        if (r.status != -1) continue;
        int st = 0;
        const pid_t got = ::waitpid(r.pid, &st, grace < 0 ? 0 : WNOHANG);
        if (got == r.pid || (got < 0 && errno == ECHILD)) {
          r.status = got == r.pid ? st : 0;
        } else {
          running = true;
        }
      }
      if (!running) return;
      const double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!termed && waited > grace) {
        for (const Rank& r : ranks_) {
          if (r.status == -1) ::kill(r.pid, SIGTERM);
        }
        termed = true;
      } else if (termed && waited > 2 * grace + 1.0) {
        for (const Rank& r : ranks_) {
          if (r.status == -1) ::kill(r.pid, SIGKILL);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::vector<Rank> ranks_;
};

json validation_json(const rnnopt::train::ValidationResult& v) {
  return json{{"type", "validation"},     {"iteration", v.iteration},     {"horizon", v.horizon},
              {"functions", v.functions}, {"mean_regret", v.mean_regret}, {"ci95", v.ci95}};
}

int run(int argc, char** argv) {
  CLI::App app{
      "rnnopt-meta-train: meta-trains an LSTM/DNC black-box optimizer on GP prior samples "
      "(Chen et al. 2017) and writes checkpoints, metrics.jsonl and curves.png to RUN_DIR.",
      "rnnopt-meta-train"};
  std::string config_path, out_dir, device = "cpu";
  std::vector<std::string> sets;
  bool resume = false;
  int threads = 2;
  app.add_option("--config", config_path, "JSON config file (meta_train/configs/*.json)");
  app.add_option("--set", sets, "override a config field, key=value (dotted keys: prior.variance)");
  app.add_option("--out", out_dir, "run folder (created; required except for ranks > 0)");
  app.add_flag("--resume", resume, "continue the run in --out from its checkpoint, exactly");
  std::string init_path;
  app.add_option("--init", init_path,
                 "warm start: the network's weights from an exported model "
                 "(models/NAME.safetensors, same architecture and sizes); the optimizer state, "
                 "iteration count and schedules start afresh (continues a shipped model after "
                 "its run folder is gone)")
      ->check(CLI::ExistingFile)
      ->excludes("--resume");
  app.add_option("--threads", threads, "LibTorch threads")->check(CLI::PositiveNumber);
  double max_minutes = 0.0;
  app.add_option("--max-minutes", max_minutes,
                 "acquisition design: stop after this many wall minutes, checkpointed (resume "
                 "later with --resume); 0: no limit")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", device, "cpu or cuda (when this LibTorch has CUDA)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  // Data-parallel training (meta_train/distributed.h), acquisition design only.
  int processes = 1;
  rnnopt::train::DistributedOptions dist;
  app.add_option("--processes", processes,
                 "data-parallel training in N local processes (acquisition design only; the "
                 "direct design's trainer runs in one): this one is rank 0 and owns --out, ranks "
                 "1..N-1 are started as child processes logging to RUN_DIR/rank-i.log; each "
                 "process rolls out its share of every batch, gradients are summed before each "
                 "step (same weights as one process); --threads defaults to 1 per process")
      ->check(CLI::Range(1, 256));
  app.add_option("--world-size", dist.world_size,
                 "join a multi-machine run of this many processes (acquisition design only; "
                 "with --rank and --store-host)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--rank", dist.rank,
                 "this process's rank in [0, world size): rank 0 hosts the store and owns --out "
                 "(config, checkpoints, validation); the other ranks need no --config or --out "
                 "and take the config and starting state from rank 0")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--store-host", dist.store_host,
                 "address of rank 0, which hosts the rendezvous store (default 127.0.0.1)");
  app.add_option("--store-port", dist.store_port,
                 "the store's TCP port (default 29511; with --processes: a free port)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--bind-host", dist.bind_host,
                 "this machine's address for the Gloo connections (default: 127.0.0.1 when "
                 "--store-host is loopback, else the address of this host's name)");
  app.add_option("--timeout", dist.timeout_seconds,
                 "seconds to wait for the other ranks at the rendezvous and each collective "
                 "(default 120); a rank that is gone stops the run with an error (resume it "
                 "with --resume)")
      ->check(CLI::PositiveNumber);
  return rnnopt::run_tool(app, argc, argv, [&]() -> int {
    if (processes > 1) {
      if (dist.world_size != 1 || dist.rank != 0) {
        throw rnnopt::UsageError(
            "--processes starts a local group itself; it excludes --rank and "
            "--world-size");
      }
      dist.world_size = processes;
      if (app.count("--threads") == 0) threads = 1;
      if (app.count("--store-port") == 0) dist.store_port = free_local_port();
    }
    dist.validate();
    if (dist.rank > 0) {
      // A rank other than 0 joins the group and trains what rank 0 hands it.
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      rnnopt::train::Distributed group(dist);
      rnnopt::train::AcqRunOptions o;
      o.threads = threads;
      o.max_minutes = max_minutes;
      o.stop = [] { return g_signal.load() != 0; };
      o.group = &group;
      return rnnopt::train::run_acquisition_training(o);
    }
    if (out_dir.empty()) throw rnnopt::UsageError("--out RUN_DIR is required");

    const fs::path run_dir(out_dir);
    const fs::path checkpoint = run_dir / "checkpoint.pt";
    json doc;
    if (resume) {
      if (!fs::exists(checkpoint)) throw rnnopt::UsageError("--resume: no " + checkpoint.string());
      doc = rnnopt::train::load_config_json((run_dir / "config.json").string());
    } else {
      if (config_path.empty()) throw rnnopt::UsageError("--config FILE is required (or --resume)");
      if (fs::exists(checkpoint)) {
        throw rnnopt::UsageError(run_dir.string() +
                                 " already holds a run; use --resume or another --out");
      }
      doc = rnnopt::train::load_config_json(config_path);
    }
    // A --config or --set that does not make a valid configuration (a misspelled key, a value out
    // of range, "--set key" without "=value") is a bad command line: exit 2 before anything is
    // written. A run's own config.json (--resume) that fails is a runtime failure (exit 1).
    try {
      for (const auto& s : sets) rnnopt::train::apply_override(doc, s);
      if (rnnopt::train::is_acquisition_config(doc)) {
        (void)rnnopt::train::acq_config_from_json(doc);
      } else {
        (void)rnnopt::train::config_from_json(doc);
      }
    } catch (const std::invalid_argument& e) {
      if (resume && sets.empty()) throw;
      throw rnnopt::UsageError(e.what());
    }
    if (rnnopt::train::is_acquisition_config(doc)) {
      // The learned acquisition head (meta_train/README.md): its own trainer and run folder.
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      if (resume && !sets.empty()) {
        throw rnnopt::UsageError("--set cannot change a run being resumed (edit its config.json)");
      }
      rnnopt::train::AcqRunOptions o;
      o.run_dir = out_dir;
      o.config = doc;
      o.resume = resume;
      o.init_model = init_path;
      o.threads = threads;
      o.max_minutes = max_minutes;
      o.stop = [] { return g_signal.load() != 0; };
      if (dist.world_size == 1) return rnnopt::train::run_acquisition_training(o);
      // Rank 0 of a data-parallel group (started here with --processes, or joined by others).
      std::optional<LocalRanks> children;
      if (processes > 1) {
        fs::create_directories(run_dir);
        const std::vector<std::string> common{"--world-size",  std::to_string(processes),
                                              "--store-host",  dist.store_host,
                                              "--store-port",  std::to_string(dist.store_port),
                                              "--timeout",     std::to_string(dist.timeout_seconds),
                                              "--threads",     std::to_string(threads),
                                              "--max-minutes", std::to_string(max_minutes)};
        children.emplace(processes, common, run_dir);
      }
      auto group = std::make_unique<rnnopt::train::Distributed>(dist);
      o.group = group.get();
      int code = 0;
      try {
        code = rnnopt::train::run_acquisition_training(o);
      } catch (const std::exception& e) {
        // Closing this rank's connections makes the others fail at once rather than time out.
        group.reset();
        if (children) children->report_ended();
        if (!fs::exists(checkpoint)) throw;
        throw std::runtime_error(std::string(e.what()) + "; the run continues from its last " +
                                 "checkpoint with --out " + out_dir + " --resume");
      }
      group.reset();
      if (children && !children->finish(code)) return 1;
      return code;
    }
    if (dist.world_size > 1) {
      throw rnnopt::UsageError(
          "data-parallel training (--processes, --world-size) needs an acquisition-design config "
          "(\"design\": \"acquisition\"); the direct design trains in one process");
    }
    const rnnopt::train::TrainConfig config = rnnopt::train::config_from_json(doc);
    fs::create_directories(run_dir);
    rnnopt::write_file_durably(run_dir / "config.json",
                               rnnopt::train::config_to_json(config).dump(2) + "\n");
    std::cout << "seed: " << config.seed
              << " (the run is reproduced by its config.json, which records it)\n"
              << "config: " << (run_dir / "config.json").string() << "\n"
              << "model: " << config.architecture << " " << config.num_layers << "x"
              << config.hidden_size << ", loss " << config.loss_label() << ", dims";
    for (int d : config.dims) std::cout << ' ' << d;
    std::cout << ", batch " << config.batch_size << ", steps " << config.steps << ", threads "
              << threads << std::endl;

    rnnopt::train::Trainer trainer(config,
                                   {.threads = threads,
                                    .device = device,
                                    .minima_cache = (run_dir / "validation_minima.txt").string()});
    const fs::path metrics_path = run_dir / "metrics.jsonl";
    if (resume) {
      trainer.load_checkpoint(checkpoint.string());
      truncate_metrics(metrics_path, trainer.iteration());
      std::cout << "resumed at iteration " << trainer.iteration() << std::endl;
    } else {
      if (!init_path.empty()) {
        trainer.set_weights(rnnopt::read_model_file(init_path));
        std::cout << "initial weights from " << init_path << std::endl;
      }
      rnnopt::write_file_durably(metrics_path, "");
    }
    std::ofstream metrics(metrics_path, std::ios::app);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    rnnopt::train::ValidationResult last_val;
    bool have_val = false;
    if (trainer.iteration() == 0) {
      last_val = trainer.validate();
      have_val = true;
      metrics << validation_json(last_val).dump() << std::endl;
      std::cout << (init_path.empty() ? "untrained" : "initial") << ": validation regret "
                << last_val.mean_regret << " +- " << last_val.ci95 << " (T=" << last_val.horizon
                << ", " << last_val.functions << " functions)" << std::endl;
    }
    const bool tty = isatty(STDOUT_FILENO) != 0;
    const auto start = std::chrono::steady_clock::now();
    const int first = trainer.iteration();
    double done_horizon = 0.0;  // sum of the horizons of the iterations run by this process
    while (trainer.iteration() < config.steps && g_signal.load() == 0) {
      const rnnopt::train::StepStats s = trainer.train_step();
      metrics << json{{"type", "train"},
                      {"iteration", s.iteration},
                      {"horizon", s.horizon},
                      {"d", s.d},
                      {"loss", s.loss},
                      {"mean_best_y", s.mean_best_y},
                      {"grad_norm", s.grad_norm},
                      {"lr", s.lr},
                      {"seconds", s.seconds},
                      {"cpu_seconds", s.cpu_seconds},
                      {"t_sampler", s.timing.sampler},
                      {"t_forward", s.timing.forward},
                      {"t_gp", s.timing.gp_eval},
                      {"t_loss", s.timing.loss},
                      {"t_backward", s.timing.backward},
                      {"t_update", s.timing.update}}
                     .dump()
              << '\n';
      if (s.iteration % config.validate_every == 0 || s.iteration == config.steps) {
        last_val = trainer.validate();
        have_val = true;
        metrics << validation_json(last_val).dump() << '\n';
      }
      if (s.iteration % config.checkpoint_every == 0) {
        metrics.flush();
        rnnopt::sync_file(metrics_path);  // survives a power cut with the checkpoint
        trainer.save_checkpoint(checkpoint.string());
      }
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double rate = (s.iteration - first) / elapsed;
      // An iteration costs about linearly in its horizon T, and the curriculum raises T, so the ETA
      // is the time per unit of T so far times the T still to come (not iterations / rate).
      done_horizon += s.horizon;
      double remaining_horizon = 0.0;
      for (int k = s.iteration; k < config.steps; ++k) remaining_horizon += config.horizon_at(k);
      const double eta = done_horizon > 0 ? elapsed / done_horizon * remaining_horizon : 0.0;
      if (tty || s.iteration % 10 == 0 || s.iteration == config.steps) {
        std::ostringstream line;
        line.precision(4);
        line << "[" << s.iteration << "/" << config.steps << "] loss " << s.loss << " T "
             << s.horizon << " | val regret ";
        if (have_val) {
          line << last_val.mean_regret << " +- " << last_val.ci95 << " @" << last_val.iteration;
        } else {
          line << "-";
        }
        line << " | " << rate << " it/s | ETA " << hms(eta);
        std::cout << (tty ? "\r" : "") << line.str() << (tty ? "   " : "\n") << std::flush;
      }
    }
    if (tty) std::cout << '\n';
    metrics.flush();
    rnnopt::sync_file(metrics_path);  // survives a power cut with the checkpoint
    trainer.save_checkpoint(checkpoint.string());
    plot_curves(run_dir);
    if (g_signal.load() != 0) {
      std::cout << "interrupted at iteration " << trainer.iteration()
                << "; checkpoint saved, continue with --resume" << std::endl;
      return 128 + g_signal.load();
    }
    std::cout << "done: " << trainer.iteration() << " iterations; checkpoint "
              << checkpoint.string() << "; export with rnnopt-export " << run_dir.string()
              << " --out models/NAME.safetensors" << std::endl;
    return 0;
  });
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
