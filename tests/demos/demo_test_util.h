// Helpers for the demo tests: a temporary folder, reading files, and random model files.
#pragma once

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ =
        std::filesystem::temp_directory_path() / ("rnnopt-demo-test-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::istringstream in(read_text(p));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline int count_fields(const std::string& csv_line) {
  int n = 1;
  for (char c : csv_line) n += c == ',';
  return n;
}

inline bool is_png(const std::filesystem::path& p) {
  const std::string head = read_text(p).substr(0, 8);
  return head == std::string("\x89PNG\r\n\x1a\n", 8);
}

// A random-weight model file (not a good optimizer) for dimension(s) dims, with an optional
// training "loss" and parallel workers.
inline void write_random_model(const std::filesystem::path& path, int d_max, std::vector<int> dims,
                               const std::string& loss, int workers, std::uint64_t seed) {
  RandomModelSpec spec;
  spec.name = path.stem().string();
  spec.d_max = d_max;
  spec.dims = std::move(dims);
  spec.hidden_size = 8;
  spec.parallel_workers = workers;
  spec.golden_steps = 3;
  ModelFile file = make_random_model_file(spec, seed);
  if (!loss.empty()) file.manifest.training_json = "{\"loss\": \"" + loss + "\"}";
  write_model_file(path.string(), file);
}

}  // namespace rnnopt::test
