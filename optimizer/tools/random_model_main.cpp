// rnnopt-random-model: writes a model file with random weights and a golden trace recorded by this
// engine (optimizer/MODEL_FORMAT.md). For tests, examples and speed measurements; a random network
// is not a good optimizer.
//
//   rnnopt-random-model --out /tmp/lstm.safetensors --arch lstm --d 2 --hidden 128 --layers 2
//   rnnopt-random-model --out /tmp/dnc.safetensors --arch dnc --d 6 --slots 16 --word 16 --heads 2
#include <exception>
#include <iostream>
#include <sstream>

#include "core/tool.h"
#include "optimizer/rnn_optimizer.h"

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rnnopt-random-model: writes an rnnopt model file with random weights and a golden "
               "trace",
               "rnnopt-random-model"};
  rnnopt::RandomModelSpec spec;
  std::string out;
  std::string features = "x,y";
  std::string y_norm = "running";
  std::uint64_t seed = 1;
  app.add_option("--out", out, "output .safetensors path")->required();
  app.add_option("--arch", spec.architecture, "lstm or dnc")->capture_default_str();
  app.add_option("--d", spec.d_max, "d_max: width of x and of the output")->capture_default_str();
  app.add_option("--dims", spec.dims, "supported dimensions (default: d_max)")->delimiter(',');
  app.add_option("--hidden", spec.hidden_size, "H, units per LSTM layer")->capture_default_str();
  app.add_option("--layers", spec.num_layers, "L, stacked LSTM layers")->capture_default_str();
  app.add_option("--slots", spec.dnc.memory_slots, "DNC memory slots N")->capture_default_str();
  app.add_option("--word", spec.dnc.word_size, "DNC word size W")->capture_default_str();
  app.add_option("--heads", spec.dnc.read_heads, "DNC read heads R")->capture_default_str();
  app.add_option("--features", features,
                 "input features, comma-separated (x,y,flag,mask,budget,best_y)")
      ->capture_default_str();
  app.add_option("--output-map", spec.output_map, "tanh, clip or sin")->capture_default_str();
  app.add_option("--y-normalisation", y_norm, "running or none")->capture_default_str();
  app.add_option("--horizon", spec.horizon, "training horizon T")->capture_default_str();
  app.add_option("--workers", spec.parallel_workers, "parallel workers N")->capture_default_str();
  app.add_option("--weight-scale", spec.weight_scale, "weights ~ U(-a, a); 0: 1/sqrt(H)")
      ->capture_default_str();
  app.add_option("--golden-steps", spec.golden_steps, "length of the golden trace")
      ->capture_default_str();
  app.add_option("--name", spec.name, "model name in the manifest")->capture_default_str();
  app.add_option("--seed", seed, "seed of the weights")->capture_default_str();
  return rnnopt::run_tool(app, argc, argv, [&] {
    spec.input_features = split(features);
    spec.y_normalisation.kind = y_norm;
    try {
      spec.validate();
    } catch (const std::invalid_argument& e) {
      throw rnnopt::UsageError(e.what());
    }
    std::cout << "rnnopt-random-model: seed " << seed << "\n";
    const rnnopt::ModelFile file = rnnopt::make_random_model_file(spec, seed);
    rnnopt::write_model_file(out, file);
    // Check that the written file loads and replays.
    const auto model = rnnopt::load_model(out);
    std::cout << "wrote " << out << " (" << model->manifest().architecture << ", d_max "
              << model->manifest().d_max << ", H " << model->manifest().hidden_size << ", L "
              << model->manifest().num_layers << ")\n";
    return 0;
  });
}
