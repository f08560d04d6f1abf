// Parity: the Eigen engine (rnnopt::load_model + RnnOptimizer) proposes what the LibTorch module
// proposes, over a 30-step trajectory, for random LSTM and DNC weights (float32, ~1e-5); and an
// exported model's golden trace, produced by Torch, replays in the engine at load time.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "meta_train/trainer.h"
#include "optimizer/model_file.h"
#include "optimizer/random.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/support/seed.h"

namespace {

struct Case {
  std::string architecture;
  std::vector<int> dims;
  std::vector<std::string> features;
  std::string output_map;
  int d;
};

}  // namespace

TEST_CASE("Eigen engine equals the Torch module over 30 steps (random, briefly trained)",
          "[torch]") {
  const auto seed = rnnopt::test::seed("torch/eigen parity", 31337);
  const std::vector<Case> cases = {
      {"lstm", {2}, {"x", "y"}, "tanh", 2},
      {"lstm", {1, 2, 3}, {"x", "y", "mask", "budget", "best_y"}, "clip", 2},
      {"dnc", {2}, {"x", "y", "best_y"}, "tanh", 2},
      {"dnc", {3}, {"budget", "x", "y", "flag"}, "tanh", 3},
      {"lstm", {2}, {"x", "y", "best_y"}, "sin", 2},
      {"lstm", {1, 2, 3}, {"x", "y", "best_y", "best_x", "mask", "budget"}, "sin_best", 2},
      {"dnc", {2}, {"x", "y", "best_x"}, "sin_best", 2},
  };
  for (const Case& k : cases) {
    rnnopt::train::TrainConfig c;
    c.seed = seed;
    c.name = "parity-" + k.architecture;
    c.architecture = k.architecture;
    c.hidden_size = 48;
    c.num_layers = 2;
    c.memory_slots = 10;
    c.word_size = 6;
    c.read_heads = 2;
    c.dims = k.dims;
    c.input_features = k.features;
    c.output_map = k.output_map;
    c.horizon_end = 40;
    c.prior.num_features = 64;
    c.validation_functions = 2;
    c.batch_size = 8;
    c.horizon_start = 6;
    c.horizon_end = 40;
    c.validate();
    rnnopt::train::Trainer trainer(c, {.threads = 1, .compute_known_minima = false});
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) {
        for (int i = 0; i < 5; ++i) trainer.train_step();  // a briefly trained model
      }
      const rnnopt::ModelFile file = trainer.export_model(nlohmann::json::object());
      const auto path = std::filesystem::temp_directory_path() /
                        ("rnnopt_parity_" + k.architecture + std::to_string(seed) + ".safetensors");
      rnnopt::write_model_file(path.string(), file);
      // load_model replays the golden trace that the Torch module recorded.
      const auto model = rnnopt::load_model(path.string());
      std::filesystem::remove(path);

      rnnopt::Rng rng(rnnopt::derive_seed(seed, k.d));
      std::vector<double> y(30);
      for (double& v : y) v = rng.normal();
      const auto torch_queries = trainer.rollout_queries(k.d, y);
      rnnopt::Box box{Eigen::VectorXd::Constant(k.d, -1.0), Eigen::VectorXd::Constant(k.d, 1.0)};
      rnnopt::RnnOptimizer opt(model, box, {}, 1);
      double worst = 0.0;
      for (int t = 0; t < 30; ++t) {
        const Eigen::VectorXd x = opt.propose();
        for (int j = 0; j < k.d; ++j) worst = std::max(worst, std::abs(x(j) - torch_queries[t][j]));
        opt.observe(x, y[t]);
      }
      INFO(k.architecture << " features " << k.features.size() << " pass " << pass << " worst "
                          << worst);
      CHECK(worst < 2e-5);
    }
  }
}
