// The direct design's weighted loss list ("losses": [{"name", "weight"}, ...]): parsing, the
// registry's validation, the round trip through config_to_json, and that a single-entry list of
// weight 1 trains exactly the weights of the plain "loss".
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "meta_train/train_config.h"
#include "meta_train/trainer.h"
#include "tests/support/seed.h"

namespace {

using rnnopt::train::config_from_json;
using rnnopt::train::config_to_json;
using rnnopt::train::LossTerm;
using rnnopt::train::TrainConfig;

// The defaults' document with "loss" replaced by `losses`.
nlohmann::json with_losses(const nlohmann::json& losses) {
  nlohmann::json doc = config_to_json(TrainConfig{});
  doc.erase("loss");
  doc["losses"] = losses;
  return doc;
}

std::map<std::string, rnnopt::Tensor> trained_weights(TrainConfig c) {
  c.validate();
  rnnopt::train::Trainer trainer(c, {.threads = 2, .compute_known_minima = false});
  while (trainer.iteration() < c.steps) trainer.train_step();
  return trainer.export_model(nlohmann::json::object()).tensors;
}

}  // namespace

TEST_CASE("A weighted loss list is parsed, validated by the registry and round-trips", "[torch]") {
  const TrainConfig c = config_from_json(
      with_losses({{{"name", "ei"}, {"weight", 1.0}}, {{"name", "oi"}, {"weight", 0.5}}}));
  REQUIRE(c.losses == std::vector<LossTerm>{{"ei", 1.0}, {"oi", 0.5}});
  CHECK(c.loss_terms() == c.losses);
  CHECK(c.loss_label() == "ei + 0.5 oi");
  const nlohmann::json written = config_to_json(c);
  CHECK_FALSE(written.contains("loss"));
  CHECK(config_from_json(written).losses == c.losses);

  // The weight defaults to 1; without a list, the plain loss is the one term.
  CHECK(config_from_json(with_losses({{{"name", "log_ei"}}})).loss_terms() ==
        std::vector<LossTerm>{{"log_ei", 1.0}});
  TrainConfig plain;
  plain.loss = "sum";
  CHECK(plain.loss_terms() == std::vector<LossTerm>{{"sum", 1.0}});
  CHECK(plain.loss_label() == "sum");
  CHECK(config_to_json(plain).at("loss") == "sum");
  CHECK_FALSE(config_to_json(plain).contains("losses"));

  CHECK_THROWS_WITH(config_from_json(with_losses({{{"name", "eii"}}})),
                    Catch::Contains("losses[0].name must be sum, oi, ei or log_ei, got 'eii'"));
  CHECK_THROWS_WITH(
      config_from_json(with_losses({{{"name", "ei"}}, {{"name", "oi"}, {"weight", 0.0}}})),
      Catch::Contains("losses[1].weight must be finite and > 0"));
  CHECK_THROWS_WITH(config_from_json(with_losses({{{"name", "ei"}, {"weight", -1.0}}})),
                    Catch::Contains("losses[0].weight must be finite and > 0"));
  CHECK_THROWS_WITH(config_from_json(with_losses({{{"name", "ei"}}, {{"name", "ei"}}})),
                    Catch::Contains("'ei' given twice"));
  CHECK_THROWS_WITH(config_from_json(with_losses({{{"name", "ei"}, {"wieght", 2.0}}})),
                    Catch::Contains("unknown field 'losses[0].wieght'"));
  CHECK_THROWS_WITH(config_from_json(with_losses({{{"weight", 2.0}}})),
                    Catch::Contains("losses[0] must be an object with a name"));
  CHECK_THROWS_WITH(config_from_json(with_losses(nlohmann::json::array())),
                    Catch::Contains("losses must be a non-empty list"));
  CHECK_THROWS_WITH(config_from_json(with_losses({{{"name", "ei"}, {"weight", "heavy"}}})),
                    Catch::Contains("field 'weight' has the wrong type"));
  nlohmann::json both = with_losses({{{"name", "ei"}}});
  both["loss"] = "ei";
  CHECK_THROWS_WITH(config_from_json(both), Catch::Contains("either loss or losses"));
  both["loss"] = nullptr;  // --set loss=null
  CHECK(config_from_json(both).losses == std::vector<LossTerm>{{"ei", 1.0}});
  nlohmann::json bad_loss = config_to_json(TrainConfig{});
  bad_loss["loss"] = "bogus";
  CHECK_THROWS_WITH(config_from_json(bad_loss),
                    Catch::Contains("loss must be sum, oi, ei or log_ei, got 'bogus'"));
}

TEST_CASE("A single-entry loss list of weight 1 trains the weights of the plain loss", "[torch]") {
  const auto seed = rnnopt::test::seed("meta-train loss list", 21);
  TrainConfig c;
  c.seed = seed;
  c.hidden_size = 16;
  c.num_layers = 1;
  c.dims = {2};
  c.input_features = {"x", "y", "best_y"};
  c.prior.num_features = 64;
  c.batch_size = 8;
  c.steps = 3;
  c.horizon_start = 4;
  c.horizon_end = 8;
  c.horizon_increment = 2;
  c.validation_functions = 2;
  for (const std::string loss : {"oi", "ei"}) {
    INFO(loss);
    TrainConfig single = c;
    single.loss = loss;
    TrainConfig listed = c;
    listed.losses = {{loss, 1.0}};
    const auto a = trained_weights(single), b = trained_weights(listed);
    REQUIRE(a.size() == b.size());
    for (const auto& [name, tensor] : a) {
      INFO(name);
      CHECK(tensor.data == b.at(name).data);
    }
    // and a second term changes what is learnt
    TrainConfig mixed = c;
    mixed.losses = {{loss, 1.0}, {loss == "oi" ? "ei" : "oi", 0.5}};
    CHECK(trained_weights(mixed).at("head.w").data != a.at("head.w").data);
  }
}
