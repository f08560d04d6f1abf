// Fuzz target "model-file" (fuzz/targets.h): the model-file reader (optimizer/model_file.h) and
// the engine's loader (rnnopt::make_model in optimizer/model.h). Seeds: the corpus the
// suite also replays with its expected errors, tests/data/model_corpus.
//
// The contract under test: any bytes either parse or throw rnnopt::ModelError, without crashing,
// hanging, leaking or allocating without bound. Any other exception escapes and is reported as a
// crash ("deadly signal" from std::terminate). Inputs that parse must also survive a round
// trip through the writer unchanged and load into the engine or throw ModelError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "fuzz/targets.h"
#include "optimizer/model.h"
#include "optimizer/model_file.h"

namespace {

bool same_tensors(const rnnopt::ModelFile& a, const rnnopt::ModelFile& b) {
  if (a.tensors.size() != b.tensors.size()) return false;
  for (const auto& [name, t] : a.tensors) {
    const auto it = b.tensors.find(name);
    if (it == b.tensors.end() || it->second.shape != t.shape ||
        it->second.data.size() != t.data.size() ||
        std::memcmp(it->second.data.data(), t.data.data(), 4 * t.data.size()) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

void rnnopt::fuzz::model_file(Input data) {
  rnnopt::ModelFile file;
  try {
    file = rnnopt::parse_model_bytes(data, "fuzz-input");
  } catch (const rnnopt::ModelError&) {
    return;
  }
  // A file the reader accepts is one the writer accepts, and it reads back the same.
  const std::vector<std::uint8_t> bytes = rnnopt::model_file_bytes(file, "fuzz-rewrite");
  const rnnopt::ModelFile again = rnnopt::parse_model_bytes(bytes, "fuzz-rewrite");
  if (rnnopt::manifest_to_json(again.manifest) != rnnopt::manifest_to_json(file.manifest) ||
      !same_tensors(file, again)) {
    broken("model-file", "an accepted file does not read back the same after the writer");
  }
  // The engine builds the network and replays the golden trace: ModelError or success only.
  try {
    const auto model = rnnopt::make_model(std::move(file), "fuzz-input");
    (void)model;
  } catch (const rnnopt::ModelError&) {
  }
}
