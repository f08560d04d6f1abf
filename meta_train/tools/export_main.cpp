// rnnopt-export: writes the model of a training run (its last checkpoint) as an rnnopt model file
// (.safetensors with the manifest and a golden trace produced by the Torch module).
//
//   rnnopt-export runs/lstm-oi-d2 --out models/lstm-oi-d2.safetensors

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/tool.h"
#include "meta_train/acq_config.h"
#include "meta_train/acq_run.h"
#include "meta_train/trainer.h"
#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"

int main(int argc, char** argv) {
  CLI::App app{"rnnopt-export: exports the model of an rnnopt-meta-train run folder",
               "rnnopt-export"};
  std::string run_dir, out, name;
  app.add_option("RUN_DIR", run_dir, "run folder written by rnnopt-meta-train")->required();
  app.add_option("--out", out, "model file to write (models/NAME.safetensors)")->required();
  app.add_option("--name", name, "model name in the manifest (default: the file's stem)");
  double golden_tolerance = 1e-4;
  app.add_option("--golden-tolerance", golden_tolerance,
                 "largest difference between the engine's and the trainer's queries on the golden "
                 "trace that the file accepts (MODEL_FORMAT.md section 5); raise it only for a "
                 "network whose float32 rounding the exporter's check shows to be amplified")
      ->capture_default_str()
      ->check(CLI::Range(1e-7, 1e-1));
  bool best = false;
  app.add_flag("--best", best,
               "acquisition runs: export the best validated checkpoint (RUN_DIR/best.pt) instead "
               "of the last");
  return rnnopt::run_tool(app, argc, argv, [&] {
    namespace fs = std::filesystem;
    const fs::path dir(run_dir);
    nlohmann::json doc = rnnopt::train::load_config_json((dir / "config.json").string());
    if (rnnopt::train::is_acquisition_config(doc)) {
      const std::time_t now = std::time(nullptr);
      char date[32];
      std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
      const std::string model_name = name.empty() ? fs::path(out).stem().string() : name;
      const rnnopt::ModelFile file = rnnopt::train::export_acquisition_run(
          run_dir, model_name,
          {{"git_commit", rnnopt::git_commit()},
           {"date", date},
           {"run_dir", run_dir},
           {"command",
            "rnnopt-meta-train --config " + (dir / "config.json").string() + " --out " + run_dir}},
          best);
      if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
      rnnopt::write_model_file(out, file);
      std::cout << "wrote " << out << " (acquisition head, iteration "
                << nlohmann::json::parse(file.manifest.training_json).value("iteration", -1)
                << ", golden trace of "
                << file.manifest.golden_trace->y.size() << " steps)" << std::endl;
      return 0;
    }
    if (best) throw rnnopt::UsageError("--best: only acquisition runs keep a best checkpoint");
    doc["name"] = name.empty() ? fs::path(out).stem().string() : name;
    const rnnopt::train::TrainConfig config = rnnopt::train::config_from_json(doc);
    rnnopt::train::Trainer trainer(config, {.threads = 1, .compute_known_minima = false});
    const fs::path checkpoint = dir / "checkpoint.pt";
    if (!fs::exists(checkpoint)) throw std::runtime_error("no checkpoint in " + dir.string());
    trainer.load_checkpoint(checkpoint.string());
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    const nlohmann::json info = {
        {"git_commit", rnnopt::git_commit()},
        {"date", date},
        {"run_dir", run_dir},
        {"command",
         "rnnopt-meta-train --config " + (dir / "config.json").string() + " --out " + run_dir}};
    rnnopt::ModelFile file = trainer.export_model(info);
    file.manifest.golden_trace->tolerance = golden_tolerance;
    // The engine replays the trace before anything is written: a file it would refuse to load is
    // never written.
    try {
      (void)rnnopt::make_model(file, out);
    } catch (const rnnopt::ModelError& e) {
      throw std::runtime_error(std::string(e.what()) +
                               "; nothing written (if the difference is float32 rounding amplified "
                               "by the network, export with a larger --golden-tolerance and say so "
                               "in the model's card)");
    }
    if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
    rnnopt::write_model_file(out, file);
    std::cout << "wrote " << out << " (" << config.architecture << ", iteration "
              << trainer.iteration() << ", golden trace of " << file.manifest.golden_trace->y.size()
              << " steps)" << std::endl;
    return 0;
  });
}
