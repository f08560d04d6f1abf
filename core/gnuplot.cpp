#include "core/gnuplot.h"

#include <cstdio>

namespace rnnopt {
namespace {

// Runs a shell command and returns its exit status and output.
GnuplotRun run_capture(const std::string& command) {
  GnuplotRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  r.status = ::pclose(pipe);
  return r;
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string gnuplot_png_terminal() {
  static const std::string terminal = [] {
    const std::string terms = run_capture("gnuplot -e 'set terminal' 2>&1").output;
    if (terms.find("pngcairo") != std::string::npos) return std::string("pngcairo");
    if (terms.find("png ") != std::string::npos) return std::string("png");
    return std::string();
  }();
  return terminal;
}

GnuplotRun run_gnuplot(const std::filesystem::path& script) {
  return run_capture("gnuplot " + shell_quote(script.string()) + " 2>&1");
}

}  // namespace rnnopt
