// rnnopt-set-values: writes a copy of an acquisition-head model (optimizer/MODEL_FORMAT.md section
// 7) that reads the observed values through another transform: "power" (Yeo-Johnson, for skewed or
// heavy-tailed objectives), "standard" or "rank". The weights are unchanged; the golden trace is
// re-recorded by this engine (the copy no longer checks the trainer's queries, only this engine's).
//
//   rnnopt-set-values models/acq-std-d2.safetensors /tmp/acq-std-d2-power.safetensors --values power
#include <iostream>

#include "core/tool.h"
#include "optimizer/model.h"
#include "optimizer/model_file.h"

int main(int argc, char** argv) {
  CLI::App app{"rnnopt-set-values: copies an acquisition-head model with another value transform "
               "(MODEL_FORMAT.md section 7), its golden trace re-recorded by this engine",
               "rnnopt-set-values"};
  std::string in, out, values;
  std::string name;
  app.add_option("IN", in, "acquisition-head model file")->required()->check(CLI::ExistingFile);
  app.add_option("OUT", out, "model file to write")->required();
  app.add_option("--values", values, "power, standard or rank")
      ->required()
      ->check(CLI::IsMember({"power", "standard", "rank"}));
  app.add_option("--name", name, "model name in the manifest (default: IN's name + '-' + VALUES)");
  return rnnopt::run_tool(app, argc, argv, [&] {
    rnnopt::ModelFile file = rnnopt::read_model_file(in);
    if (!file.manifest.acquisition) {
      throw rnnopt::UsageError(in + " is not an acquisition-head model (MODEL_FORMAT.md section 7)");
    }
    // The source must be sound: its own golden trace replays here.
    rnnopt::make_model(file, in);
    const int d = file.manifest.d_max;
    const int steps = file.manifest.golden_trace
                          ? static_cast<int>(file.manifest.golden_trace->queries.size())
                          : 16;
    file.manifest.y_normalisation.kind = values;
    file.manifest.name = name.empty() ? file.manifest.name + "-" + values : name;
    file.manifest.golden_trace.reset();
    const auto unverified =
        rnnopt::make_model(file, out, rnnopt::LoadOptions{.verify_golden_trace = false});
    file.manifest.golden_trace = rnnopt::record_golden_trace(*unverified, d, steps);
    rnnopt::write_model_file(out, file);
    const auto model = rnnopt::load_model(out);  // the written file loads and replays
    std::cout << "wrote " << out << " (" << model->manifest().name << ", values " << values
              << ", golden trace of " << steps << " steps)\n";
    return 0;
  });
}
