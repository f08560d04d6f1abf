// Test fixtures for model files: small valid manifests and models with random weights, and helpers
// to take a file's bytes apart (8-byte length, JSON header, data) and put damaged ones together.
// Used by model_file_test.cpp and fuzz_corpus_test.cpp (which also writes the malformed corpus).
//
//   auto file = rnnopt::test::random_model_file(rnnopt::test::small_manifest("lstm"), 7);
//   auto bytes = rnnopt::model_file_bytes(file);
//   auto damaged = rnnopt::test::edit_manifest(bytes, [](nlohmann::json& m) { m["horizon"] = 0; });
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "optimizer/model_file.h"
#include "optimizer/random.h"

namespace rnnopt::test {

// A valid manifest for a tiny network: d_max 2, dims {1, 2} (hence the mask feature), H 4.
inline Manifest small_manifest(const std::string& architecture, int hidden_size = 4,
                               int num_layers = 1) {
  Manifest m;
  m.name = "test-" + architecture;
  m.architecture = architecture;
  m.hidden_size = hidden_size;
  m.num_layers = num_layers;
  if (architecture == "dnc") m.dnc = DncSizes{4, 3, 2};
  m.d_max = 2;
  m.dims = {1, 2};
  m.input_features = {"x", "y", "mask", "budget"};
  m.output_map = "tanh";
  m.y_normalisation = {"running", 1e-6};
  m.horizon = 20;
  m.parallel_workers = 1;
  m.training_json = R"({"prior":"gp","seed":1,"note":"random weights for tests"})";
  return m;
}

// A model with every tensor the manifest requires, weights uniform in [-0.5, 0.5).
inline ModelFile random_model_file(const Manifest& manifest, std::uint64_t seed) {
  ModelFile file;
  file.manifest = manifest;
  Rng rng(seed);
  for (const auto& [name, shape] : manifest.expected_tensors()) {
    Tensor t;
    t.shape = shape;
    t.data.resize(static_cast<std::size_t>(t.numel()));
    for (float& v : t.data) v = static_cast<float>(rng.uniform(-0.5, 0.5));
    file.tensors.emplace(name, std::move(t));
  }
  return file;
}

// A file's bytes taken apart: the parsed JSON header and the data section.
struct SplitFile {
  nlohmann::json header;
  std::vector<std::uint8_t> data;
};

inline SplitFile split_file(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes.at(static_cast<std::size_t>(i));
  SplitFile s;
  s.header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
  s.data.assign(bytes.begin() + 8 + static_cast<long>(n), bytes.end());
  return s;
}

// Raw bytes: a little-endian length `declared_length`, then `header_text`, then `data`.
inline std::vector<std::uint8_t> join_raw(std::uint64_t declared_length,
                                          const std::string& header_text,
                                          const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(declared_length >> (8 * i)));
  out.insert(out.end(), header_text.begin(), header_text.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline std::vector<std::uint8_t> join_file(const std::string& header_text,
                                           const std::vector<std::uint8_t>& data) {
  return join_raw(header_text.size(), header_text, data);
}

inline std::vector<std::uint8_t> join_json(const nlohmann::json& header,
                                           const std::vector<std::uint8_t>& data) {
  return join_file(header.dump(), data);
}

// The bytes with the JSON header edited.
inline std::vector<std::uint8_t> edit_header(const std::vector<std::uint8_t>& bytes,
                                             const std::function<void(nlohmann::json&)>& edit) {
  SplitFile s = split_file(bytes);
  edit(s.header);
  return join_json(s.header, s.data);
}

// The bytes with the manifest (a JSON string inside __metadata__) edited.
inline std::vector<std::uint8_t> edit_manifest(const std::vector<std::uint8_t>& bytes,
                                               const std::function<void(nlohmann::json&)>& edit) {
  return edit_header(bytes, [&](nlohmann::json& header) {
    nlohmann::json m = nlohmann::json::parse(header["__metadata__"]["manifest"].get<std::string>());
    edit(m);
    header["__metadata__"]["manifest"] = m.dump();
  });
}

// The message of the ModelError that `f` throws, or "<no ModelError>" if it returns normally. Any
// other exception propagates (and fails the test).
template <typename F>
std::string model_error_message(F&& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "<no ModelError>";
}

}  // namespace rnnopt::test
