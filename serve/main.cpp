// rnnopt-serve: the JSON-lines ask/tell service (serve/README.md, serve/service.h).
//
//   rnnopt-serve --optimizer rnn:models/acq-wide-d2.safetensors --box "[[-5,10],[0,15]]"
//                --state run.state   (one command line)
//
// Exit codes: 0 at the end of the input, 2 for a usage error (one line on stderr), 1 when the
// model or the state file cannot be read or the state cannot be written (one line on stderr).
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <memory>
#include <string>

#include "core/tool.h"
#include "serve/service.h"

namespace {

constexpr const char* kRequests = R"(
Requests (one JSON object per line on stdin; one reply per line on stdout):
  {"ask": n}                      n new trials: {"trials": [{"id": 1, "x": [..]}, ...]}
  {"tell": {"id": 1, "y": 0.5}}   the value of trial 1 (always minimised)
  {"tell": {"x": [..], "y": 0.5}} a point it did not propose (warm start)
  {"fail": 1}                     trial 1 failed or was abandoned
  {"best": true}                  the best observation so far
  {"status": true}                optimizer, dim, seed, observations, pending ids, resumed
  {"save": "PATH"}                write a state file to PATH (usable with --state)
A bad line gets {"error": "..."} and the service goes on. With --state, every ask, tell and fail
is written to FILE (temporary file, fsync, rename) before its reply; started again with the same
--optimizer and --box, the service resumes from FILE (its seed is kept).)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rnnopt-serve: an ask/tell optimizer over JSON lines on stdin/stdout",
               "rnnopt-serve"};
  app.footer(kRequests);
  std::string optimizer;
  std::string box_text;
  std::string state_path;
  std::uint64_t seed = 1;
  app.add_option("--optimizer", optimizer,
                 "rnn:PATH.safetensors, random, sobol, spearmint, dlib-lipo, direct-l, crs2, "
                 "cmaes")
      ->required();
  app.add_option("--box", box_text, "the search box as JSON: \"[[lo, hi], ...]\"")->required();
  app.add_option("--state", state_path, "state file: written after every change, resumed from");
  app.add_option("--seed", seed, "the optimizer's seed (default 1; a resumed state keeps its own)");
  return rnnopt::run_tool(app, argc, argv, [&] {
    rnnopt::serve::ServiceOptions options;
    options.optimizer = optimizer;
    options.seed = seed;
    options.state_path = state_path;
    std::unique_ptr<rnnopt::serve::Service> service;
    try {
      options.box = rnnopt::serve::parse_box(box_text);
      service = std::make_unique<rnnopt::serve::Service>(std::move(options));
    } catch (const std::invalid_argument& e) {  // a bad --optimizer, --box or --seed
      throw rnnopt::UsageError(e.what());
    }
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
      const std::string reply = service->handle(line);
      if (!reply.empty()) std::cout << reply << '\n' << std::flush;
    }
    return 0;
  });
}
