// rnnopt-set-values: writes a copy of an acquisition-head model (optimizer/MODEL_FORMAT.md section
// 7) that reads the observed values through another transform: "power" (Yeo-Johnson, for skewed or
// heavy-tailed objectives), "standard" or "rank"; and/or draws its local candidates differently
// (their scales and count). The weights are unchanged (no field changed here alters a weight's
// shape); the golden trace is re-recorded by this engine (the copy no longer checks the trainer's
// queries, only this engine's).
//
//   rnnopt-set-values models/acq-std-d2.safetensors /tmp/acq-std-d2-power.safetensors --values power
//   rnnopt-set-values IN OUT --local-scales 0.2,0.05,0.01,0.002,4e-4,8e-5
//   rnnopt-set-values IN OUT --jitter 1e-9   (the reference GPs' relative jitter)
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
  std::vector<double> local_scales;
  int local_candidates = -1;
  double jitter = 0.0;
  app.add_option("IN", in, "acquisition-head model file")->required()->check(CLI::ExistingFile);
  app.add_option("OUT", out, "model file to write")->required();
  app.add_option("--values", values, "power, standard or rank (default: IN's)")
      ->check(CLI::IsMember({"power", "standard", "rank"}));
  app.add_option("--local-scales", local_scales,
                 "comma-separated scales of the local candidates, each in (0, 10] (default: IN's)")
      ->delimiter(',');
  app.add_option("--local-candidates", local_candidates,
                 "number of local candidates per proposal (default: IN's)")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--jitter", jitter,
                 "relative jitter of the reference and fitted GPs' kernel diagonals, in (0, 1] "
                 "(default: IN's; smaller lets the features resolve finer differences near the "
                 "incumbent)")
      ->check(CLI::Range(1e-300, 1.0));
  app.add_option("--name", name,
                 "model name in the manifest (default: IN's name + '-' + VALUES, + '-local', "
                 "+ '-jitter' for what changed)");
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
    if (values.empty() && local_scales.empty() && local_candidates < 0 && jitter == 0.0) {
      throw rnnopt::UsageError(
          "nothing to change: give --values, --local-scales, --local-candidates or --jitter");
    }
    std::string suffix;
    if (!values.empty()) {
      file.manifest.y_normalisation.kind = values;
      suffix = "-" + values;
    }
    if (!local_scales.empty()) file.manifest.acquisition->local_scales = local_scales;
    if (local_candidates >= 0) file.manifest.acquisition->local_candidates = local_candidates;
    if (!local_scales.empty() || local_candidates >= 0) suffix += "-local";
    if (jitter > 0.0) {
      file.manifest.acquisition->jitter = jitter;
      suffix += "-jitter";
    }
    file.manifest.name = name.empty() ? file.manifest.name + suffix : name;
    file.manifest.golden_trace.reset();
    const auto unverified =
        rnnopt::make_model(file, out, rnnopt::LoadOptions{.verify_golden_trace = false});
    file.manifest.golden_trace = rnnopt::record_golden_trace(*unverified, d, steps);
    rnnopt::write_model_file(out, file);
    const auto model = rnnopt::load_model(out);  // the written file loads and replays
    std::cout << "wrote " << out << " (" << model->manifest().name << ", values "
              << file.manifest.y_normalisation.kind << ", " << file.manifest.acquisition->local_candidates
              << " local candidates, jitter " << file.manifest.acquisition->jitter
              << ", golden trace of " << steps << " steps)\n";
    return 0;
  });
}
