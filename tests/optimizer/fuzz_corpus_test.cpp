// Replays the model-file corpus tests/data/model_corpus on every run: valid-* files must load
// (read_model_file, then load_model with its golden-trace replay); every other file must be
// rejected with rnnopt::ModelError, never a crash, a hang or another exception. The malformed files
// listed in corpus_cases() must be rejected with their specific message; other files (inputs kept
// from fuzz/run_fuzz.sh, named fuzz-*) need only a ModelError.
//
// The listed files are generated from the table below by the hidden test case
//   build/tests/rnnopt_tests_optimizer "[.write-corpus]"
// which (re)writes them into tests/data/model_corpus; commit the result.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/optimizer/model_file_fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;
using namespace rnnopt::test;

namespace {

const fs::path kCorpusDir = fs::path(RNNOPT_SOURCE_DIR) / "tests" / "data" / "model_corpus";

// The small valid models of the corpus (random weights, golden trace recorded by the engine).
rnnopt::ModelFile valid_model(const std::string& kind) {
  rnnopt::RandomModelSpec spec;
  spec.name = "corpus-" + kind;
  spec.d_max = 2;
  spec.dims = {1, 2};
  spec.hidden_size = 4;
  spec.input_features = {"x", "y", "mask", "budget"};
  spec.horizon = 10;
  spec.golden_steps = 4;
  if (kind == "dnc") {
    spec.architecture = "dnc";
    spec.dnc = {4, 3, 2};
    spec.input_features = {"x", "y", "mask", "best_y"};
  } else if (kind == "parallel") {
    spec.parallel_workers = 2;
    spec.input_features = {"x", "y", "flag", "mask"};
    spec.output_map = "clip";
    spec.y_normalisation = {"none", 1e-6};
  }
  return rnnopt::make_random_model_file(spec, /*seed=*/17);
}

enum class Stage {
  kReader,  // parse_model_bytes / read_model_file reject it
  kLoader,  // the reader accepts it; load_model (the engine and its golden trace) rejects it
};

struct CorpusCase {
  std::string file;      // under tests/data/model_corpus
  std::string expected;  // a substring of the ModelError message
  Stage stage;
  std::function<Bytes()> make;
};

std::vector<CorpusCase> corpus_cases() {
  const Bytes lstm = rnnopt::model_file_bytes(valid_model("lstm"));
  const Bytes dnc = rnnopt::model_file_bytes(valid_model("dnc"));
  const auto header = [lstm](std::function<void(json&)> edit) {
    return [lstm, edit] { return edit_header(lstm, edit); };
  };
  const auto manifest = [lstm](std::function<void(json&)> edit) {
    return [lstm, edit] { return edit_manifest(lstm, edit); };
  };
  const auto bytes = [](Bytes b) { return [b] { return b; }; };
  const auto deep = [](int levels) {
    json j = json::array();
    for (int i = 0; i < levels; ++i) j = json::array({j});
    return j;
  };
  using S = Stage;
  std::vector<CorpusCase> c = {
      // Layout.
      {"bad-empty", "truncated", S::kReader, bytes({})},
      {"bad-short", "truncated", S::kReader, bytes({0x10, 0, 0, 0, 0})},
      {"bad-header-cut", "truncated", S::kReader, bytes(Bytes(lstm.begin(), lstm.begin() + 100))},
      {"bad-data-cut", "fall outside the data section", S::kReader,
       bytes(Bytes(lstm.begin(), lstm.end() - 3))},
      {"bad-trailing-bytes", "after the last tensor", S::kReader,
       [lstm] {
         Bytes b = lstm;
         b.insert(b.end(), 8, 0xab);
         return b;
       }},
      {"bad-length-huge", "exceeds the limit", S::kReader, bytes(join_raw(~0ull, "{}", {}))},
      {"bad-length-over-100mb", "exceeds the limit", S::kReader,
       bytes(join_raw(100'000'001, "{", {}))},
      {"bad-length-zero", "malformed header JSON", S::kReader, bytes(join_raw(0, "", {1, 2, 3}))},
      {"bad-length-short", "malformed header JSON", S::kReader,
       [lstm] {
         Bytes b = lstm;
         b[0] = static_cast<std::uint8_t>(b[0] - 8);  // the header loses its last 8 bytes
         return b;
       }},
      // Header JSON.
      {"bad-json-garbage", "malformed header JSON", S::kReader,
       bytes(join_file("\x01\x02garbage\xff", {}))},
      {"bad-json-unterminated", "malformed header JSON", S::kReader,
       bytes(join_file("{\"head.b\": {\"dtype\": \"F32\", ", {}))},
      {"bad-json-invalid-utf8", "malformed header JSON", S::kReader,
       bytes(join_file("{\"\xc3\x28\": 1}", {}))},
      {"bad-json-not-object", "a JSON object is required", S::kReader,
       bytes(join_file("[1, 2, 3]", {}))},
      {"bad-json-deep", "nests deeper than 64", S::kReader,
       bytes(join_file(std::string(2000, '[') + std::string(2000, ']'), {}))},
      {"bad-json-deep-object", "nests deeper than 64", S::kReader,
       [] {
         std::string s;
         for (int i = 0; i < 1000; ++i) s += "{\"a\":";
         s += "1" + std::string(1000, '}');
         return join_file(s, {});
       }},
      // Metadata.
      {"bad-no-metadata", "no \"__metadata__\"", S::kReader,
       header([](json& h) { h.erase("__metadata__"); })},
      {"bad-metadata-array", "\"__metadata__\" is not an object", S::kReader,
       header([](json& h) { h["__metadata__"] = json::array({"format"}); })},
      {"bad-metadata-number", "is not a string", S::kReader,
       header([](json& h) { h["__metadata__"]["step"] = 3; })},
      {"bad-format-missing", "no \"format\"", S::kReader,
       header([](json& h) { h["__metadata__"].erase("format"); })},
      {"bad-format-wrong", "expected 'rnnopt-model'", S::kReader,
       header([](json& h) { h["__metadata__"]["format"] = "pt"; })},
      {"bad-no-manifest", "no \"manifest\"", S::kReader,
       header([](json& h) { h["__metadata__"].erase("manifest"); })},
      {"bad-manifest-not-json", "malformed manifest JSON", S::kReader,
       header([](json& h) { h["__metadata__"]["manifest"] = "{\"format_version\": 1,"; })},
      {"bad-manifest-deep", "nests deeper than 64", S::kReader,
       header([deep](json& h) { h["__metadata__"]["manifest"] = deep(3000).dump(); })},
      // Tensor entries.
      {"bad-entry-string", "entry must be an object", S::kReader,
       header([](json& h) { h["head.b"] = "F32"; })},
      {"bad-dtype-f16", "has dtype 'F16', only F32 is supported", S::kReader,
       header([](json& h) { h["head.b"]["dtype"] = "F16"; })},
      {"bad-dtype-f64", "has dtype 'F64', only F32 is supported", S::kReader,
       header([](json& h) { h["lstm.0.w_hh"]["dtype"] = "F64"; })},
      {"bad-dtype-missing", "missing \"dtype\"", S::kReader,
       header([](json& h) { h["head.w"].erase("dtype"); })},
      {"bad-dtype-number", "dtype must be a string", S::kReader,
       header([](json& h) { h["head.w"]["dtype"] = 32; })},
      {"bad-shape-missing", "missing \"shape\"", S::kReader,
       header([](json& h) { h["head.w"].erase("shape"); })},
      {"bad-shape-negative", "shape entries must be integers", S::kReader,
       header([](json& h) { h["head.b"]["shape"] = {-2}; })},
      {"bad-shape-float", "shape entries must be integers", S::kReader,
       header([](json& h) { h["head.b"]["shape"] = {2.0}; })},
      {"bad-shape-huge", "needs more bytes than the data section", S::kReader,
       header([](json& h) {
         h["head.b"]["shape"] = {std::uint64_t{1} << 62, std::uint64_t{1} << 62, 4};
       })},
      {"bad-offsets-missing", "missing \"data_offsets\"", S::kReader,
       header([](json& h) { h["head.b"].erase("data_offsets"); })},
      {"bad-offsets-one", "two non-negative integers", S::kReader,
       header([](json& h) { h["head.b"]["data_offsets"] = {0}; })},
      {"bad-offsets-negative", "two non-negative integers", S::kReader,
       header([](json& h) { h["head.b"]["data_offsets"] = {-8, 0}; })},
      {"bad-offsets-reversed", "are reversed", S::kReader,
       header([](json& h) {
         auto& o = h["head.b"]["data_offsets"];
         o = {o[1], o[0]};
       })},
      {"bad-offsets-size", "but shape [2] needs 8", S::kReader,
       header([](json& h) { h["head.b"]["data_offsets"] = {0, 12}; })},
      {"bad-offsets-outside", "fall outside the data section", S::kReader,
       header([](json& h) {
         auto& o = h["lstm.0.w_ih"]["data_offsets"];
         const auto n = o[1].get<std::uint64_t>() - o[0].get<std::uint64_t>();
         o = {std::uint64_t{1} << 40, (std::uint64_t{1} << 40) + n};
       })},
      {"bad-offsets-wrap", "fall outside the data section", S::kReader,
       header([](json& h) { h["head.b"]["data_offsets"] = {~0ull - 7, ~0ull}; })},
      {"bad-offsets-overlap", "overlaps", S::kReader,
       header([](json& h) {
         auto& o = h["head.w"]["data_offsets"];
         o = {o[0].get<std::uint64_t>() - 4, o[1].get<std::uint64_t>() - 4};
       })},
      {"bad-offsets-duplicate", "overlaps", S::kReader,
       header([](json& h) { h["lstm.0.b"]["data_offsets"] = h["head.b"]["data_offsets"]; h["lstm.0.b"]["shape"] = {2}; })},
      {"bad-offsets-gap", "gap of 4 bytes", S::kReader,
       header([](json& h) {
         auto& o = h["head.b"]["data_offsets"];
         o = {o[0].get<std::uint64_t>() + 4, o[1].get<std::uint64_t>() + 4};
       })},
      // Tensors against the manifest.
      {"bad-missing-tensor", "missing tensor 'lstm.0.b'", S::kReader,
       header([](json& h) {
         h["lstm.0.bias"] = h["lstm.0.b"];
         h.erase("lstm.0.b");
       })},
      {"bad-wrong-shape", "tensor 'head.w' has shape [4, 2], expected [2, 4]", S::kReader,
       header([](json& h) { h["head.w"]["shape"] = {4, 2}; })},
      {"bad-unexpected-tensor", "unexpected tensor 'lstm.1.b'", S::kReader,
       [lstm] {
         SplitFile s = split_file(lstm);
         const std::size_t end = s.data.size();
         s.header["lstm.1.b"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
         s.data.insert(s.data.end(), 4, 0);
         return join_json(s.header, s.data);
       }},
      {"bad-dnc-interface-shape", "tensor 'interface.w' has shape [4, 28], expected [28, 4]",
       S::kReader,
       [dnc] { return edit_header(dnc, [](json& h) { h["interface.w"]["shape"] = {4, 28}; }); }},
      {"bad-nan-weight", "non-finite value", S::kReader,
       [lstm] {
         SplitFile s = split_file(lstm);
         const float nan = std::numeric_limits<float>::quiet_NaN();
         std::memcpy(s.data.data() + s.header["head.w"]["data_offsets"][0].get<std::size_t>(),
                     &nan, 4);
         return join_json(s.header, s.data);
       }},
      {"bad-inf-weight", "non-finite value", S::kReader,
       [lstm] {
         SplitFile s = split_file(lstm);
         const float inf = -std::numeric_limits<float>::infinity();
         std::memcpy(s.data.data() + s.data.size() - 4, &inf, 4);
         return join_json(s.header, s.data);
       }},
      // Manifest.
      {"bad-version-2", "format_version 2 needs an acquisition block", S::kReader,
       manifest([](json& m) { m["format_version"] = 2; })},
      {"bad-version-future-only", "unknown format_version 99", S::kReader,
       manifest([](json& m) { m = {{"format_version", 99}, {"model", "next"}}; })},
      {"bad-version-missing", "missing \"format_version\"", S::kReader,
       manifest([](json& m) { m.erase("format_version"); })},
      {"bad-version-string", "format_version must be an integer", S::kReader,
       manifest([](json& m) { m["format_version"] = "1"; })},
      {"bad-manifest-array", "manifest must be an object", S::kReader,
       manifest([](json& m) { m = json::array({1}); })},
      {"bad-arch-unknown", "unknown architecture 'gru'", S::kReader,
       manifest([](json& m) { m["architecture"] = "gru"; })},
      {"bad-arch-dnc-no-sizes", "needs the \"dnc\" sizes", S::kReader,
       manifest([](json& m) { m["architecture"] = "dnc"; })},
      {"bad-hidden-zero", "hidden_size is 0", S::kReader,
       manifest([](json& m) { m["hidden_size"] = 0; })},
      {"bad-hidden-huge", "hidden_size is 100000", S::kReader,
       manifest([](json& m) { m["hidden_size"] = 100000; })},
      {"bad-hidden-float", "hidden_size must be an integer", S::kReader,
       manifest([](json& m) { m["hidden_size"] = 4.5; })},
      {"bad-hidden-overflow", "out of range", S::kReader,
       manifest([](json& m) { m["hidden_size"] = std::uint64_t{1} << 63; })},
      {"bad-layers-zero", "num_layers is 0", S::kReader,
       manifest([](json& m) { m["num_layers"] = 0; })},
      {"bad-layers-negative", "num_layers is -3", S::kReader,
       manifest([](json& m) { m["num_layers"] = -3; })},
      {"bad-dnc-slots-huge", "memory_slots is 1000000", S::kReader,
       [dnc] {
         return edit_manifest(dnc, [](json& m) { m["dnc"]["memory_slots"] = 1000000; });
       }},
      {"bad-dnc-heads-zero", "read_heads is 0", S::kReader,
       [dnc] { return edit_manifest(dnc, [](json& m) { m["dnc"]["read_heads"] = 0; }); }},
      {"bad-dmax-zero", "d_max is 0", S::kReader, manifest([](json& m) { m["d_max"] = 0; })},
      {"bad-dmax-huge", "d_max is 65", S::kReader, manifest([](json& m) { m["d_max"] = 65; })},
      {"bad-dims-empty", "dims is empty", S::kReader,
       manifest([](json& m) { m["dims"] = json::array(); })},
      {"bad-dims-over-dmax", "dims entry is 3", S::kReader,
       manifest([](json& m) { m["dims"] = {1, 3}; })},
      {"bad-dims-zero", "dims entry is 0", S::kReader, manifest([](json& m) { m["dims"] = {0}; })},
      {"bad-dims-repeat", "dims lists 2 twice", S::kReader,
       manifest([](json& m) { m["dims"] = {2, 2}; })},
      {"bad-features-no-mask", "lacks \"mask\"", S::kReader,
       manifest([](json& m) { m["input_features"] = {"x", "y", "budget"}; })},
      {"bad-features-unknown", "unknown input feature 'time'", S::kReader,
       manifest([](json& m) { m["input_features"] = {"x", "y", "mask", "time"}; })},
      {"bad-features-repeat", "input feature 'y' is listed twice", S::kReader,
       manifest([](json& m) { m["input_features"] = {"x", "y", "mask", "y"}; })},
      {"bad-features-no-y", "lacks \"y\"", S::kReader,
       manifest([](json& m) { m["input_features"] = {"x", "mask", "budget"}; })},
      {"bad-output-map", "unknown output_map 'sigmoid'", S::kReader,
       manifest([](json& m) { m["output_map"] = "sigmoid"; })},
      {"bad-ynorm-kind", "unknown y_normalisation kind 'rank'", S::kReader,
       manifest([](json& m) { m["y_normalisation"]["kind"] = "rank"; })},
      {"bad-ynorm-eps", "eps must be finite and > 0", S::kReader,
       manifest([](json& m) { m["y_normalisation"]["eps"] = -1e-6; })},
      {"bad-ynorm-eps-inf", "number overflow parsing '1e999'", S::kReader,
       header([](json& h) {
         std::string m = h["__metadata__"]["manifest"].get<std::string>();
         const auto at = m.find("\"eps\":");
         m.replace(at, m.find_first_of(",}", at) - at, "\"eps\":1e999");
         h["__metadata__"]["manifest"] = m;
       })},
      {"bad-horizon-zero", "horizon is 0", S::kReader, manifest([](json& m) { m["horizon"] = 0; })},
      {"bad-workers-no-flag", "lacks \"flag\"", S::kReader,
       manifest([](json& m) { m["parallel_workers"] = 4; })},
      {"bad-workers-zero", "parallel_workers is 0", S::kReader,
       manifest([](json& m) { m["parallel_workers"] = 0; })},
      {"bad-training-string", "training must be an object", S::kReader,
       manifest([](json& m) { m["training"] = "gp prior"; })},
      // Golden trace: malformed ones are the reader's, mismatches the loader's.
      {"bad-golden-d", "golden_trace.d = 3 is not one of dims", S::kReader,
       manifest([](json& m) { m["golden_trace"]["d"] = 3; })},
      {"bad-golden-lengths", "y values but", S::kReader,
       manifest([](json& m) { m["golden_trace"]["y"].erase(0); })},
      {"bad-golden-empty", "has no queries", S::kReader,
       manifest([](json& m) {
         m["golden_trace"]["y"] = json::array();
         m["golden_trace"]["queries"] = json::array();
       })},
      {"bad-golden-outside", "outside the canonical box", S::kReader,
       manifest([](json& m) { m["golden_trace"]["queries"][0][0] = 3.0; })},
      {"bad-golden-tolerance", "tolerance must be finite and > 0", S::kReader,
       manifest([](json& m) { m["golden_trace"]["tolerance"] = 0.0; })},
      {"bad-golden-missing", "no golden_trace", S::kLoader,
       manifest([](json& m) { m.erase("golden_trace"); })},
      {"bad-golden-mismatch", "golden trace mismatch at step 2", S::kLoader,
       manifest([](json& m) {
         auto& q = m["golden_trace"]["queries"][1][0];
         q = q.get<double>() > 0.0 ? q.get<double>() - 0.01 : q.get<double>() + 0.01;
       })},
      {"bad-weights-damaged", "golden trace mismatch at step 1", S::kLoader,
       [lstm] {
         // A weight that the first step uses (the head bias) changed by 0.05.
         SplitFile s = split_file(lstm);
         float* w = reinterpret_cast<float*>(
             s.data.data() + s.header["head.b"]["data_offsets"][0].get<std::size_t>());
         *w += 0.05f;
         return join_json(s.header, s.data);
       }},
  };
  return c;
}

const std::vector<std::string> kValidFiles = {"valid-lstm", "valid-dnc", "valid-parallel"};

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The message of the first ModelError from reading, then loading, `path` (which reached it in
// `stage`), or "<no ModelError>" if the file loads. Any other exception fails the test.
std::string replay(const fs::path& path, Stage* stage) {
  const Bytes bytes = read_bytes(path);
  *stage = Stage::kReader;
  std::string message =
      model_error_message([&] { rnnopt::parse_model_bytes(bytes, path.string()); });
  // The path-based reader agrees with the in-memory one.
  CHECK(model_error_message([&] { rnnopt::read_model_file(path.string()); }) == message);
  if (message != "<no ModelError>") return message;
  *stage = Stage::kLoader;
  return model_error_message([&] { rnnopt::load_model(path.string()); });
}

}  // namespace

TEST_CASE("the model corpus: valid files load, malformed ones throw ModelError",
          "[optimizer][model_file][corpus]") {
  REQUIRE(fs::is_directory(kCorpusDir));
  std::set<std::string> listed;
  for (const CorpusCase& c : corpus_cases()) {
    listed.insert(c.file + ".safetensors");
    const fs::path path = kCorpusDir / (c.file + ".safetensors");
    INFO(path.string() << " (regenerate with rnnopt_tests_optimizer \"[.write-corpus]\")");
    REQUIRE(fs::exists(path));
    Stage stage{};
    const std::string message = replay(path, &stage);
    CHECK_THAT(message, Catch::Matchers::Contains(path.string() + ": ") &&
                            Catch::Matchers::Contains(c.expected));
    CHECK((stage == c.stage));
  }
  for (const std::string& name : kValidFiles) {
    const fs::path path = kCorpusDir / (name + ".safetensors");
    INFO(path.string());
    listed.insert(name + ".safetensors");
    REQUIRE(fs::exists(path));
    Stage stage{};
    CHECK(replay(path, &stage) == "<no ModelError>");
  }
  // Everything else (fuzzer finds): a ModelError, whatever the message.
  int others = 0;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    const std::string name = entry.path().filename().string();
    if (listed.count(name) > 0) continue;
    INFO(entry.path().string());
    CHECK_FALSE(name.rfind("valid-", 0) == 0);  // valid files are listed in kValidFiles
    Stage stage{};
    CHECK_THAT(replay(entry.path(), &stage), Catch::Matchers::Contains(entry.path().string()));
    ++others;
  }
  std::cout << "[corpus] " << listed.size() << " listed files, " << others << " others\n";
}

TEST_CASE("write the model corpus", "[.write-corpus]") {
  fs::create_directories(kCorpusDir);
  for (const CorpusCase& c : corpus_cases()) {
    const Bytes b = c.make();
    std::ofstream out(kCorpusDir / (c.file + ".safetensors"), std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    REQUIRE(out.good());
  }
  for (const std::string& name : kValidFiles) {
    rnnopt::write_model_file((kCorpusDir / (name + ".safetensors")).string(),
                             valid_model(name.substr(6)));
  }
}
