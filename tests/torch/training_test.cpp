// Meta-training end to end: a short training lowers the validation regret, a run interrupted and
// resumed from its checkpoint ends with the same weights, a checkpoint of another network is
// refused, and config overrides are checked.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "meta_train/train_config.h"
#include "meta_train/trainer.h"
#include "tests/support/seed.h"

namespace {

rnnopt::train::TrainConfig small_config(std::uint64_t seed, const std::string& architecture) {
  rnnopt::train::TrainConfig c;
  c.seed = seed;
  c.architecture = architecture;
  c.hidden_size = 32;
  c.num_layers = 1;
  c.memory_slots = 8;
  c.word_size = 8;
  c.read_heads = 1;
  c.dims = {2};
  c.input_features = {"x", "y", "best_y"};
  c.prior.num_features = 128;
  c.batch_size = 32;
  c.horizon_start = 10;
  c.horizon_end = 15;
  c.horizon_increment = 5;
  c.lr = 3e-2;
  c.lr_final = 1e-3;
  c.validation_functions = 64;
  c.validate_every = 1000;
  c.validate();
  return c;
}

std::map<std::string, rnnopt::Tensor> weights(const rnnopt::train::Trainer& t) {
  return t.export_model(nlohmann::json::object()).tensors;
}

}  // namespace

TEST_CASE("A short training lowers the validation regret well outside its interval", "[torch]") {
  const auto seed = rnnopt::test::seed("meta-train lowers regret", 11);
  rnnopt::train::TrainConfig c = small_config(seed, "lstm");
  c.steps = 300;
  rnnopt::train::Trainer trainer(c, {.threads = 2});
  const rnnopt::train::ValidationResult before = trainer.validate();
  while (trainer.iteration() < c.steps) trainer.train_step();
  const rnnopt::train::ValidationResult after = trainer.validate();
  INFO("untrained regret " << before.mean_regret << " +- " << before.ci95 << ", trained "
                           << after.mean_regret << " +- " << after.ci95);
  CHECK(after.mean_regret + after.ci95 < before.mean_regret - before.ci95);
}

TEST_CASE("An interrupted and resumed run ends with the same weights", "[torch]") {
  const auto seed = rnnopt::test::seed("meta-train resume", 5);
  for (const std::string arch : {"lstm", "dnc"}) {
    for (const std::string loss : {"oi", "ei", "log_ei"}) {
      rnnopt::train::TrainConfig c = small_config(seed, arch);
      c.loss = loss;
      c.steps = 8;
      c.batch_size = 8;
      c.horizon_start = 4;
      c.horizon_end = 8;
      c.horizon_increment = 2;
      c.validation_functions = 2;
      c.workers = arch == "dnc" ? 3 : 1;  // also the parallel schedule
      if (c.workers > 1) c.input_features.push_back("flag");
      const rnnopt::train::TrainerOptions options{.threads = 2, .compute_known_minima = false};
      rnnopt::train::Trainer straight(c, options);
      while (straight.iteration() < c.steps) straight.train_step();

      const auto path = std::filesystem::temp_directory_path() /
                        ("rnnopt_resume_" + arch + loss + std::to_string(seed) + ".pt");
      {
        rnnopt::train::Trainer first(c, options);
        while (first.iteration() < 3) first.train_step();
        first.save_checkpoint(path.string());
        first.train_step();  // work after the checkpoint is lost, as after a crash
      }
      rnnopt::train::Trainer resumed(c, options);
      resumed.load_checkpoint(path.string());
      REQUIRE(resumed.iteration() == 3);
      while (resumed.iteration() < c.steps) resumed.train_step();
      std::filesystem::remove(path);

      const auto a = weights(straight), b = weights(resumed);
      INFO(arch << " " << loss);
      REQUIRE(a.size() == b.size());
      for (const auto& [name, tensor] : a) {
        INFO(name);
        CHECK(tensor.data == b.at(name).data);
      }
      // and training did change the weights
      rnnopt::train::Trainer untrained(c, options);
      CHECK(weights(untrained).at("head.w").data != a.at("head.w").data);
    }
  }
}

TEST_CASE("Config overrides reach nested fields and misspellings are rejected", "[torch]") {
  nlohmann::json doc = rnnopt::train::config_to_json(rnnopt::train::TrainConfig{});
  rnnopt::train::apply_override(doc, "steps=42");
  rnnopt::train::apply_override(doc, "prior.length_scale.low=0.5");
  rnnopt::train::apply_override(doc, "architecture=dnc");
  const auto c = rnnopt::train::config_from_json(doc);
  CHECK(c.steps == 42);
  CHECK(c.prior.length_scale.low == 0.5);
  CHECK(c.architecture == "dnc");
  CHECK(rnnopt::train::config_from_json(rnnopt::train::config_to_json(c)).steps == 42);
  nlohmann::json bad = doc;
  rnnopt::train::apply_override(bad, "stpes=3");
  CHECK_THROWS_WITH(rnnopt::train::config_from_json(bad),
                    Catch::Contains("config_from_json(): unknown field 'stpes'"));
  nlohmann::json bad_nested = doc;
  rnnopt::train::apply_override(bad_nested, "prior.lenght_scale.low=0.5");
  CHECK_THROWS_WITH(rnnopt::train::config_from_json(bad_nested),
                    Catch::Contains("unknown field 'prior.lenght_scale'"));
  CHECK_THROWS_WITH(rnnopt::train::apply_override(doc, "novalue"),
                    Catch::Contains("expected key=value, got 'novalue'"));
  nlohmann::json neg = doc;
  rnnopt::train::apply_override(neg, "workers=3");  // needs the flag feature
  CHECK_THROWS_AS(rnnopt::train::config_from_json(neg), std::invalid_argument);
  nlohmann::json mixed = doc;
  rnnopt::train::apply_override(mixed, "prior.kernel=mixed");  // the acquisition design's only
  CHECK_THROWS_WITH(rnnopt::train::config_from_json(mixed), Catch::Contains("acquisition design"));
  rnnopt::train::TrainConfig curriculum;
  curriculum.steps = 1000;
  CHECK(curriculum.horizon_at(0) == 10);
  CHECK(curriculum.horizon_at(999) == 100);
  CHECK(curriculum.horizon_at(500) == 100);
  CHECK(curriculum.horizon_at(250) > 10);
}

TEST_CASE("The validation minima cache is written, read back, and ignored for another prior",
          "[torch]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "rnnopt-minima-cache-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cache = (dir / "validation_minima.txt").string();
  rnnopt::train::TrainConfig c = small_config(3, "lstm");
  c.validation_functions = 4;
  double plain = 0.0;
  {
    rnnopt::train::Trainer t(c, {.threads = 1, .minima_cache = cache});
    plain = t.validate().mean_regret;
  }
  REQUIRE(fs::exists(cache));
  std::vector<std::string> lines;
  {
    std::ifstream in(cache);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  REQUIRE(lines.size() == 5);  // the header and one line per validation function
  CHECK(lines[0].starts_with("rnnopt-validation-minima/1 "));
  // Lower every cached f* by 1: a trainer that reads the cache reports regrets 1 higher.
  {
    std::ofstream out(cache, std::ios::trunc);
    out << lines[0] << "\n";
    out.precision(17);
    for (std::size_t k = 1; k < lines.size(); ++k) {
      std::istringstream in(lines[k]);
      std::uint64_t seed = 0;
      int d = 0;
      double value = 0.0;
      in >> seed >> d >> value;
      out << seed << ' ' << d << ' ' << value - 1.0 << "\n";
    }
  }
  {
    rnnopt::train::Trainer t(c, {.threads = 1, .minima_cache = cache});
    CHECK(t.validate().mean_regret == Approx(plain + 1.0).margin(1e-9));
  }
  // Another prior: the cache does not apply, f* is computed again (and the cache rewritten).
  c.prior.variance = 2.0;
  {
    rnnopt::train::Trainer t(c, {.threads = 1, .minima_cache = cache});
    CHECK(t.validate().mean_regret > 0.0);
  }
  std::ifstream in(cache);
  std::string header;
  std::getline(in, header);
  CHECK(header != lines[0]);
  fs::remove_all(dir);
}

TEST_CASE("set_weights (rnnopt-meta-train --init) takes an exported model's weights exactly",
          "[torch]") {
  rnnopt::train::TrainConfig c = small_config(21, "lstm");
  c.validation_functions = 2;
  rnnopt::train::Trainer a(c, {.threads = 1, .compute_known_minima = false});
  for (int i = 0; i < 3; ++i) a.train_step();
  rnnopt::train::TrainConfig other = c;
  other.seed = 22;  // other initial weights
  rnnopt::train::Trainer b(other, {.threads = 1, .compute_known_minima = false});
  CHECK(weights(a).at("head.w").data != weights(b).at("head.w").data);
  b.set_weights(a.export_model(nlohmann::json::object()));
  const auto wa = weights(a), wb = weights(b);
  REQUIRE(wa.size() == wb.size());
  for (const auto& [name, tensor] : wa) {
    INFO(name);
    CHECK(tensor.data == wb.at(name).data);
  }
  // A model of another size is refused with the tensor's name.
  rnnopt::train::TrainConfig wide = c;
  wide.hidden_size = 16;
  rnnopt::train::Trainer w(wide, {.threads = 1, .compute_known_minima = false});
  CHECK_THROWS_WITH(w.set_weights(a.export_model(nlohmann::json::object())),
                    Catch::Contains("another size"));
}

TEST_CASE("A checkpoint of another network is refused by tensor name and shape, changing nothing",
          "[torch][checkpoint]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("rnnopt-other-network-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "checkpoint.pt").string();
  const rnnopt::train::TrainerOptions options{.threads = 1, .compute_known_minima = false};
  rnnopt::train::TrainConfig c = small_config(31, "lstm");  // 1 x 32
  c.validation_functions = 2;
  rnnopt::train::Trainer a(c, options);
  a.train_step();
  a.save_checkpoint(path);

  // Another hidden size: the first weight that differs, with both shapes; nothing is changed.
  rnnopt::train::TrainConfig narrow = c;
  narrow.hidden_size = 16;
  rnnopt::train::Trainer n(narrow, options);
  const auto before = weights(n);
  CHECK_THROWS_WITH(n.load_checkpoint(path),
                    Catch::Contains("Trainer::load_checkpoint(): " + path + ": ") &&
                        Catch::Contains("tensor param.lstm.0.w_ih has shape [128, ") &&
                        Catch::Contains("], the network expects [64, "));
  CHECK(n.iteration() == 0);
  const auto after = weights(n);
  for (const auto& [name, tensor] : before) CHECK(tensor.data == after.at(name).data);

  // Another architecture (a DNC): the LSTM's weights are named.
  rnnopt::train::TrainConfig dnc = small_config(31, "dnc");
  dnc.validation_functions = 2;
  rnnopt::train::Trainer d(dnc, options);
  CHECK_THROWS_WITH(d.load_checkpoint(path), Catch::Contains("has tensor param.lstm.0.") &&
                                                 Catch::Contains("which this network does not"));

  // One more layer: the second layer's weights are missing.
  rnnopt::train::TrainConfig deeper = c;
  deeper.num_layers = 2;
  rnnopt::train::Trainer two(deeper, options);
  CHECK_THROWS_WITH(two.load_checkpoint(path), Catch::Contains("lacks tensor param.lstm.1."));

  // The same network with another seed, and a file that is not a checkpoint.
  rnnopt::train::TrainConfig reseeded = c;
  reseeded.seed = 32;
  rnnopt::train::Trainer r(reseeded, options);
  CHECK_THROWS_WITH(r.load_checkpoint(path), Catch::Contains("written with another seed"));
  std::ofstream(dir / "junk.pt") << "not a checkpoint";
  CHECK_THROWS_WITH(r.load_checkpoint((dir / "junk.pt").string()),
                    Catch::Contains("junk.pt: cannot read it (") &&
                        !Catch::Contains("\n"));  // one line: no C++ backtrace
  CHECK(r.iteration() == 0);

  // The same network takes it.
  rnnopt::train::Trainer same(c, options);
  same.load_checkpoint(path);
  CHECK(same.iteration() == 1);
  const auto wa = weights(a), ws = weights(same);
  for (const auto& [name, tensor] : wa) CHECK(tensor.data == ws.at(name).data);
  fs::remove_all(dir);
}
