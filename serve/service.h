// rnnopt/serve/service.h: the JSON-lines ask/tell service behind rnnopt-serve.
//
// One request per line in, one reply per line out (blank lines are skipped):
//   {"ask": n}                       -> {"trials": [{"id": 1, "x": [..]}, ...]}
//   {"tell": {"id": 1, "y": 0.5}}    -> {"ok": true, "id": 1, "observations": 1}
//   {"tell": {"x": [..], "y": 0.5}}  -> the same for a point it did not propose (warm start)
//   {"fail": 1}                      -> {"ok": true, "failed": 1}
//   {"best": true}                   -> {"best": {"x": [..], "y": 0.5}, "observations": 1}
//   {"status": true}                 -> optimizer, dim, seed, observations, pending ids, resumed
//   {"save": "PATH"}                 -> {"ok": true, "saved": "PATH"} (a state file, see below)
// A bad line (not JSON, unknown request, bad id, ...) gets {"error": "..."} naming the problem and
// leaves the optimizer unchanged.
//
// State files: with a state path, every request that changes the optimizer (ask, tell, fail) is
// written to it durably (temporary file in the same folder, write, fsync, rename, fsync of the
// folder) before its reply is returned, and a Service started on an existing state file resumes
// from it: the same pending trial ids and the same next proposals as the one that wrote it.
//
//   rnnopt::serve::ServiceOptions o{.optimizer = "sobol", .box = rnnopt::serve::parse_box("[[0,1]]")};
//   rnnopt::serve::Service s(o);
//   std::string reply = s.handle(R"({"ask": 1})");
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "optimizer/optimizer.h"

namespace rnnopt::serve {

// Parses "[[lo, hi], ...]" (JSON). Throws std::invalid_argument("--box: ...") for anything else or
// an invalid box.
Box parse_box(std::string_view text);

// The optimizer specs accepted by make_optimizer(), for --help and messages.
std::string known_optimizers();

// A fresh optimizer: "rnn:PATH" (a model file), "random", "sobol", "spearmint", "dlib-lipo",
// "direct-l", "crs2", "cmaes". Throws std::invalid_argument for an unknown spec or a model that
// does not support box.dim(), std::runtime_error naming the file for a model that cannot be loaded.
std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, const Box& box,
                                          std::uint64_t seed);

struct ServiceOptions {
  std::string optimizer;
  Box box;
  std::uint64_t seed = 1;
  std::string state_path;  // empty: no state file
};

class Service {
 public:
  // Builds the optimizer; resumes from options.state_path when that file exists (its optimizer
  // spec and box must equal the options'; its seed is kept). Throws std::invalid_argument for bad
  // options and std::runtime_error for a state file that cannot be read or does not fit.
  explicit Service(ServiceOptions options);

  // The reply to one request line, without the newline; empty for a blank line. Never throws for
  // a bad request (the reply is then {"error": ...}); throws std::runtime_error if the state file
  // cannot be written (the service cannot keep its promise then).
  std::string handle(std::string_view line);

  bool resumed() const { return resumed_; }
  const Optimizer& optimizer() const { return *optimizer_; }

  // The state file's text: a JSON header line (format, optimizer, box, seed) and the optimizer's
  // save_state().
  std::string state_text() const;

 private:
  void persist();

  ServiceOptions options_;
  std::unique_ptr<Optimizer> optimizer_;
  bool resumed_ = false;
};

}  // namespace rnnopt::serve
