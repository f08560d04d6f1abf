// optimizer/model_file.h: round trips, the expected tensors of MODEL_FORMAT.md section 4, each
// class of error with its message, and the atomic writer.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "optimizer/model_file.h"
#include "tests/optimizer/model_file_fixtures.h"
#include "tests/support/seed.h"

namespace fs = std::filesystem;
using nlohmann::json;
using rnnopt::Manifest;
using rnnopt::ModelError;
using rnnopt::ModelFile;
using rnnopt::parse_model_bytes;
using namespace rnnopt::test;
using Catch::Matchers::Contains;

namespace {

// A fresh empty folder under the build tree for one test case.
fs::path scratch_dir(const std::string& name) {
  const fs::path dir =
      fs::path(RNNOPT_BINARY_DIR) / "test-scratch" / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::uint8_t> file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check_same(const ModelFile& a, const ModelFile& b) {
  CHECK(rnnopt::manifest_to_json(a.manifest) == rnnopt::manifest_to_json(b.manifest));
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    INFO("tensor " << name);
    REQUIRE(b.tensors.count(name) == 1);
    const rnnopt::Tensor& u = b.tensors.at(name);
    CHECK(t.shape == u.shape);
    REQUIRE(t.data.size() == u.data.size());
    CHECK(std::memcmp(t.data.data(), u.data.data(), 4 * t.data.size()) == 0);
  }
}

// parse_model_bytes must throw ModelError whose message names the source and contains `problem`.
void check_rejects(const std::vector<std::uint8_t>& bytes, const std::string& problem) {
  INFO("expected problem: " << problem);
  CHECK_THAT(model_error_message([&] { parse_model_bytes(bytes, "damaged.safetensors"); }),
             Contains("damaged.safetensors: ") && Contains(problem));
}

std::vector<std::uint8_t> valid_bytes(const std::string& architecture = "lstm") {
  return rnnopt::model_file_bytes(random_model_file(small_manifest(architecture), 11));
}

}  // namespace

TEST_CASE("expected_tensors follows MODEL_FORMAT.md section 4", "[optimizer][model_file]") {
  Manifest lstm = small_manifest("lstm", /*hidden_size=*/5, /*num_layers=*/2);
  // x (d_max 2) + y + mask (2) + budget = 6.
  CHECK(lstm.feature_width() == 6);
  const auto t = lstm.expected_tensors();
  CHECK(t.size() == 8);
  CHECK(t.at("lstm.0.w_ih") == std::vector<std::int64_t>{20, 6});
  CHECK(t.at("lstm.0.w_hh") == std::vector<std::int64_t>{20, 5});
  CHECK(t.at("lstm.0.b") == std::vector<std::int64_t>{20});
  CHECK(t.at("lstm.1.w_ih") == std::vector<std::int64_t>{20, 5});
  CHECK(t.at("lstm.1.w_hh") == std::vector<std::int64_t>{20, 5});
  CHECK(t.at("lstm.1.b") == std::vector<std::int64_t>{20});
  CHECK(t.at("head.w") == std::vector<std::int64_t>{2, 5});
  CHECK(t.at("head.b") == std::vector<std::int64_t>{2});

  Manifest dnc = small_manifest("dnc", /*hidden_size=*/5, /*num_layers=*/1);  // N 4, W 3, R 2
  dnc.input_features = {"x", "y", "flag", "mask", "budget", "best_y"};
  CHECK(dnc.feature_width() == 8);
  const auto u = dnc.expected_tensors();
  CHECK(u.size() == 7);
  CHECK(u.at("controller.0.w_ih") == std::vector<std::int64_t>{20, 8 + 2 * 3});
  CHECK(u.at("controller.0.w_hh") == std::vector<std::int64_t>{20, 5});
  CHECK(u.at("controller.0.b") == std::vector<std::int64_t>{20});
  // Z = RW + R + W + 1 + W + W + R + 1 + 1 + 3R = 6 + 2 + 3 + 1 + 3 + 3 + 2 + 1 + 1 + 6.
  CHECK(u.at("interface.w") == std::vector<std::int64_t>{28, 5});
  CHECK(u.at("interface.b") == std::vector<std::int64_t>{28});
  CHECK(u.at("head.w") == std::vector<std::int64_t>{2, 5 + 6});
  CHECK(u.at("head.b") == std::vector<std::int64_t>{2});

  Manifest bad = lstm;
  bad.hidden_size = 0;
  CHECK_THROWS_AS(bad.expected_tensors(), ModelError);
}

TEST_CASE("model files round-trip through write and read", "[optimizer][model_file]") {
  const auto seed = rnnopt::test::seed("model file round trip", 2024);
  const fs::path dir = scratch_dir("roundtrip");
  for (const std::string arch : {"lstm", "dnc"}) {
    INFO("architecture " << arch);
    Manifest m = small_manifest(arch, 6, 2);
    m.golden_trace =
        rnnopt::GoldenTrace{2, {0.25, -1.0 / 3.0}, {{0.1, -0.2}, {1.0, -1.0}}, 1e-5, {}};
    m.parallel_workers = 3;
    m.input_features.push_back("flag");
    m.output_map = "clip";
    m.y_normalisation = {"none", 0.1};
    const ModelFile file = random_model_file(m, seed);
    const fs::path path = dir / (arch + ".safetensors");
    rnnopt::write_model_file(path.string(), file);
    const ModelFile back = rnnopt::read_model_file(path.string());
    check_same(file, back);
    CHECK(back.manifest.golden_trace->y[1] == -1.0 / 3.0);  // doubles round-trip exactly
    CHECK(back.manifest.parallel_workers == 3);
    CHECK(back.manifest.output_map == "clip");
    CHECK(back.manifest.y_normalisation.kind == "none");
    CHECK(back.manifest.y_normalisation.eps == 0.1);
    CHECK(back.manifest.dnc.has_value() == (arch == "dnc"));
    CHECK(json::parse(back.manifest.training_json)["prior"] == "gp");

    // The layout: 8-byte length, the header padded so that the data starts 8-byte aligned, and
    // the bytes in memory equal to the bytes on disk.
    const std::vector<std::uint8_t> bytes = file_bytes(path);
    CHECK(bytes == rnnopt::model_file_bytes(file));
    const SplitFile s = split_file(bytes);
    CHECK((bytes.size() - s.data.size()) % 8 == 0);
    CHECK(s.header["__metadata__"]["format"] == "rnnopt-model");
    std::size_t total = 0;
    for (const auto& [name, t] : file.tensors) total += 4 * t.data.size();
    CHECK(s.data.size() == total);
  }
  fs::remove_all(dir);
}

TEST_CASE("read_model_file names the file when it cannot be read", "[optimizer][model_file]") {
  const fs::path dir = scratch_dir("unreadable");
  const std::string missing = (dir / "nope.safetensors").string();
  CHECK_THAT(model_error_message([&] { rnnopt::read_model_file(missing); }),
             Contains(missing) && Contains("cannot read"));
  CHECK_THAT(model_error_message([&] { rnnopt::read_model_file(dir.string()); }),
             Contains("not a regular file"));
  const fs::path empty = dir / "empty.safetensors";
  std::ofstream(empty).close();
  CHECK_THAT(model_error_message([&] { rnnopt::read_model_file(empty.string()); }),
             Contains(empty.string() + ": truncated"));
  fs::remove_all(dir);
}

TEST_CASE("layout errors: truncation, lengths, JSON", "[optimizer][model_file]") {
  const std::vector<std::uint8_t> good = valid_bytes();
  REQUIRE_NOTHROW(parse_model_bytes(good, "good"));
  check_rejects({}, "truncated");
  check_rejects({1, 0, 0}, "truncated");
  check_rejects(std::vector<std::uint8_t>(good.begin(), good.begin() + 40), "truncated");
  check_rejects(std::vector<std::uint8_t>(good.begin(), good.end() - 1),
                "fall outside the data section");
  check_rejects(join_raw(~std::uint64_t{0}, "{}", {}), "exceeds the limit");
  check_rejects(join_raw(rnnopt::kMaxHeaderBytes + 1, "{}", {}), "exceeds the limit");
  check_rejects(join_file("", {}), "malformed header JSON");
  check_rejects(join_file("{\"a\": ", {}), "malformed header JSON");
  check_rejects(join_file("{\"a\": \"\xff\xfe\"}", {}), "malformed header JSON");
  check_rejects(join_file("[1, 2]", {}), "a JSON object is required");
  check_rejects(join_file(std::string(100000, '[') + std::string(100000, ']'), {}),
                "nests deeper than 64");
  // 4 million and one values: the DOM would be large, so the reader stops counting there.
  std::string many = "[";
  for (int i = 0; i < 4'000'000; ++i) many += "0,";
  check_rejects(join_file(many + "0]", {}), "header JSON has more than 4000000 values");
  std::vector<std::uint8_t> padded_trailing = good;
  padded_trailing.push_back(0);
  check_rejects(padded_trailing, "1 bytes in the data section after the last tensor");
}

TEST_CASE("header errors: metadata and tensor entries", "[optimizer][model_file]") {
  const std::vector<std::uint8_t> good = valid_bytes();
  const auto header = [&](const std::function<void(json&)>& edit) {
    return edit_header(good, edit);
  };
  check_rejects(header([](json& h) { h.erase("__metadata__"); }), "no \"__metadata__\"");
  check_rejects(header([](json& h) { h["__metadata__"] = 3; }), "not an object");
  check_rejects(header([](json& h) { h["__metadata__"]["x"] = 1; }), "is not a string");
  check_rejects(header([](json& h) { h["__metadata__"].erase("format"); }), "no \"format\"");
  check_rejects(header([](json& h) { h["__metadata__"]["format"] = "pt"; }),
                "expected 'rnnopt-model'");
  check_rejects(header([](json& h) { h["__metadata__"].erase("manifest"); }), "no \"manifest\"");
  check_rejects(header([](json& h) { h["__metadata__"]["manifest"] = "{not json"; }),
                "malformed manifest JSON");
  check_rejects(header([](json& h) { h["head.b"]["dtype"] = "F16"; }),
                "tensor 'head.b' has dtype 'F16', only F32 is supported");
  check_rejects(header([](json& h) { h["head.b"].erase("dtype"); }), "missing \"dtype\"");
  check_rejects(header([](json& h) { h["head.b"].erase("shape"); }), "missing \"shape\"");
  check_rejects(header([](json& h) { h["head.b"]["shape"] = {-2}; }), "shape entries");
  check_rejects(header([](json& h) {
                  h["head.b"]["shape"] = {1u << 30, 1u << 30};
                }),
                "needs more bytes than the data section");
  check_rejects(header([](json& h) { h["head.b"].erase("data_offsets"); }),
                "missing \"data_offsets\"");
  check_rejects(header([](json& h) { h["head.b"]["data_offsets"] = {1}; }),
                "two non-negative integers");
  check_rejects(header([](json& h) {
                  auto& o = h["head.b"]["data_offsets"];
                  o = {o[1], o[0]};
                }),
                "reversed");
  check_rejects(header([](json& h) {
                  auto& o = h["head.b"]["data_offsets"];
                  o[1] = o[1].get<std::uint64_t>() - 4;
                }),
                "but shape [2] needs 8");
  check_rejects(header([](json& h) {
                  h["head.b"]["data_offsets"] = {~std::uint64_t{0} - 7, ~std::uint64_t{0}};
                }),
                "fall outside the data section");
  // head.b then head.w start the data section (name order); make head.w start one float early.
  check_rejects(header([](json& h) {
                  auto& o = h["head.w"]["data_offsets"];
                  o = {o[0].get<std::uint64_t>() - 4, o[1].get<std::uint64_t>() - 4};
                }),
                "tensor 'head.w' overlaps tensor 'head.b'");
  check_rejects(header([](json& h) {
                  auto& o = h["head.b"]["data_offsets"];
                  o = {o[0].get<std::uint64_t>() + 4, o[1].get<std::uint64_t>() + 4};
                }),
                "gap of 4 bytes before tensor 'head.b'");
  check_rejects(header([](json& h) { h["head.b"] = "F32"; }), "entry must be an object");
}

TEST_CASE("tensor errors: missing, wrong shape, unexpected, non-finite",
          "[optimizer][model_file]") {
  const ModelFile file = random_model_file(small_manifest("dnc"), 5);
  const std::vector<std::uint8_t> good = rnnopt::model_file_bytes(file);
  check_rejects(edit_header(good,
                            [](json& h) {
                              // Rename: the bytes stay, the name is wrong.
                              h["interface.bias"] = h["interface.b"];
                              h.erase("interface.b");
                            }),
                "missing tensor 'interface.b' (expected shape [28])");
  check_rejects(edit_header(good,
                            [](json& h) {
                              h["head.w"]["shape"] = {10, 2};
                            }),
                "tensor 'head.w' has shape [10, 2], expected [2, 10]");
  SplitFile s = split_file(good);
  s.header["extra"] = {
      {"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {s.data.size(), s.data.size() + 4}}};
  s.data.insert(s.data.end(), 4, 0);
  check_rejects(join_json(s.header, s.data), "unexpected tensor 'extra'");
  s = split_file(good);
  const std::uint64_t at = s.header["head.b"]["data_offsets"][0].get<std::uint64_t>();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(s.data.data() + at + 4, &nan, 4);
  check_rejects(join_json(s.header, s.data), "tensor 'head.b' has a non-finite value at index 1");
}

TEST_CASE("manifest errors name the failed check", "[optimizer][model_file]") {
  const std::vector<std::uint8_t> good = valid_bytes();
  const auto manifest = [&](const std::function<void(json&)>& edit) {
    return edit_manifest(good, edit);
  };
  check_rejects(manifest([](json& m) { m["format_version"] = 3; }),
                "unknown format_version 3 (this reader knows 1 and 2)");
  check_rejects(manifest([](json& m) { m["format_version"] = 2; }),
                "format_version 2 needs an acquisition block");
  // A future version is reported as such even when the rest is unrecognisable.
  check_rejects(manifest([](json& m) { m = {{"format_version", 7}}; }), "unknown format_version 7");
  check_rejects(manifest([](json& m) { m.erase("format_version"); }), "missing \"format_version\"");
  check_rejects(manifest([](json& m) { m["format_version"] = "1"; }), "must be an integer");
  check_rejects(manifest([](json& m) { m = json::array(); }), "manifest must be an object");
  check_rejects(manifest([](json& m) { m.erase("hidden_size"); }), "missing \"hidden_size\"");
  check_rejects(manifest([](json& m) { m["hidden_size"] = 4.0; }), "must be an integer");
  check_rejects(manifest([](json& m) { m["hidden_size"] = std::int64_t{1} << 40; }),
                "out of range");
  check_rejects(manifest([](json& m) { m["hidden_size"] = 0; }), "hidden_size is 0");
  check_rejects(manifest([](json& m) { m["hidden_size"] = rnnopt::kMaxHiddenSize + 1; }),
                "hidden_size is 8193, must be in [1, 8192]");
  check_rejects(manifest([](json& m) { m["num_layers"] = 0; }), "num_layers is 0");
  check_rejects(manifest([](json& m) { m["architecture"] = "gru"; }), "unknown architecture 'gru'");
  check_rejects(manifest([](json& m) { m["architecture"] = "dnc"; }),
                "architecture dnc needs the \"dnc\" sizes");
  check_rejects(manifest([](json& m) {
                  m["dnc"] = {{"memory_slots", 2}};
                }),
                "missing \"word_size\"");
  check_rejects(manifest([](json& m) {
                  m["dnc"] = {{"memory_slots", 2}, {"word_size", 2}, {"read_heads", 1}};
                }),
                "\"dnc\" sizes given for architecture 'lstm'");
  check_rejects(manifest([](json& m) { m["d_max"] = 0; }), "d_max is 0");
  check_rejects(manifest([](json& m) { m["d_max"] = 65; }), "d_max is 65, must be in [1, 64]");
  check_rejects(manifest([](json& m) { m["dims"] = json::array(); }), "dims is empty");
  check_rejects(manifest([](json& m) { m["dims"] = {3}; }), "dims entry is 3, must be in [1, 2]");
  check_rejects(manifest([](json& m) { m["dims"] = {2, 2}; }), "dims lists 2 twice");
  check_rejects(manifest([](json& m) { m["dims"] = 2; }), "dims must be an array");
  check_rejects(manifest([](json& m) {
                  m["input_features"] = {"x", "y", "budget"};
                }),
                "lacks \"mask\"");
  check_rejects(manifest([](json& m) {
                  m["input_features"] = {"x", "y", "mask", "t"};
                }),
                "unknown input feature 't'");
  check_rejects(manifest([](json& m) {
                  m["input_features"] = {"x", "y", "mask", "x"};
                }),
                "input feature 'x' is listed twice");
  check_rejects(manifest([](json& m) { m["input_features"] = {"y", "mask"}; }), "lacks \"x\"");
  check_rejects(manifest([](json& m) { m["input_features"] = json::array(); }),
                "input_features is empty");
  check_rejects(manifest([](json& m) { m["output_map"] = "sigmoid"; }),
                "unknown output_map 'sigmoid'");
  check_rejects(manifest([](json& m) { m["y_normalisation"]["kind"] = "rank"; }),
                "unknown y_normalisation kind 'rank'");
  check_rejects(manifest([](json& m) { m["y_normalisation"]["eps"] = 0.0; }),
                "eps must be finite and > 0");
  check_rejects(manifest([](json& m) { m["horizon"] = 0; }), "horizon is 0");
  check_rejects(manifest([](json& m) { m["parallel_workers"] = 4; }),
                "parallel_workers = 4 but input_features lacks \"flag\"");
  check_rejects(manifest([](json& m) { m["training"] = "gp"; }), "training must be an object");
  check_rejects(manifest([](json& m) {
                  json deep = json::array();
                  for (int i = 0; i < 200; ++i) deep = json::array({deep});
                  m["training"] = {{"deep", deep}};
                }),
                "nests deeper than 64");
}

TEST_CASE("golden trace checks", "[optimizer][model_file]") {
  const std::vector<std::uint8_t> good = valid_bytes();
  const auto with_trace = [&](const json& trace) {
    return edit_manifest(good, [&](json& m) { m["golden_trace"] = trace; });
  };
  const json ok = {{"d", 2}, {"y", {0.5, 1.0}}, {"queries", {{0.1, 0.2}, {-0.3, 0.4}}}};
  const ModelFile parsed = parse_model_bytes(with_trace(ok), "ok");
  REQUIRE(parsed.manifest.golden_trace.has_value());
  CHECK(parsed.manifest.golden_trace->tolerance == 1e-4);  // the default
  CHECK(parsed.manifest.golden_trace->queries[1][0] == -0.3);

  json t = ok;
  t["d"] = 3;
  check_rejects(with_trace(t), "golden_trace.d = 3 is not one of dims");
  t = ok;
  t["y"] = {0.5};
  check_rejects(with_trace(t), "has 1 y values but 2 queries");
  t = ok;
  t["y"] = json::array();
  t["queries"] = json::array();
  check_rejects(with_trace(t), "has no queries");
  t = ok;
  t["queries"][1] = {0.1};
  check_rejects(with_trace(t), "queries[1] has 1 values, expected d = 2");
  t = ok;
  t["queries"][0][1] = 1.5;
  check_rejects(with_trace(t), "outside the canonical box");
  t = ok;
  t["tolerance"] = 0;
  check_rejects(with_trace(t), "tolerance must be finite and > 0");
  t = ok;
  t["y"][0] = "a";
  check_rejects(with_trace(t), "golden_trace.y entry must be a number");
  t = ok;
  t["y"] = std::vector<double>(rnnopt::kMaxGoldenSteps + 1, 0.0);
  check_rejects(with_trace(t), "more than 10000 steps");
  check_rejects(with_trace(3), "golden_trace must be an object");
}

TEST_CASE("the writer validates and never leaves a partial file", "[optimizer][model_file]") {
  const fs::path dir = scratch_dir("atomic");
  const std::string path = (dir / "model.safetensors").string();
  const ModelFile good = random_model_file(small_manifest("lstm"), 3);
  rnnopt::write_model_file(path, good);
  const std::vector<std::uint8_t> before = file_bytes(path);
  CHECK((fs::status(path).permissions() & fs::perms::others_read) != fs::perms::none);

  const auto only_the_model_is_left = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    CHECK(names == std::vector<std::string>{"model.safetensors"});
    CHECK(file_bytes(path) == before);
  };

  ModelFile bad = good;
  bad.manifest.horizon = 0;
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(path, bad); }),
             Contains(path + ": manifest: horizon is 0"));
  only_the_model_is_left();

  bad = good;
  bad.tensors.erase("head.b");
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(path, bad); }),
             Contains("missing tensor 'head.b'"));
  bad = good;
  bad.tensors["head.b"].data.push_back(1.0f);
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(path, bad); }),
             Contains("has 3 values"));
  bad = good;
  bad.tensors["head.b"].data[0] = std::numeric_limits<float>::infinity();
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(path, bad); }),
             Contains("non-finite"));
  bad = good;
  bad.tensors["lstm.9.b"] = rnnopt::Tensor{{1}, {0.0f}};
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(path, bad); }),
             Contains("unexpected tensor"));
  bad = good;
  bad.manifest.training_json = "{";
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(path, bad); }),
             Contains("training JSON"));
  only_the_model_is_left();

  // Renaming over a non-empty folder fails after the temporary file was written: it is removed.
  fs::create_directories(dir / "sub" / "occupied" / "x");
  const std::string over_dir = (dir / "sub" / "occupied").string();
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(over_dir, good); }),
             Contains(over_dir + ": cannot rename"));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir / "sub")) left.push_back(e.path().filename());
  CHECK(left == std::vector<std::string>{"occupied"});

  const std::string no_dir = (dir / "missing" / "m.safetensors").string();
  CHECK_THAT(model_error_message([&] { rnnopt::write_model_file(no_dir, good); }),
             Contains(no_dir + ": cannot create a temporary file"));
  CHECK_FALSE(fs::exists(dir / "missing"));

  // Overwriting replaces the whole file.
  ModelFile other = random_model_file(small_manifest("dnc"), 4);
  rnnopt::write_model_file(path, other);
  check_same(other, rnnopt::read_model_file(path));
  fs::remove_all(dir);
}
