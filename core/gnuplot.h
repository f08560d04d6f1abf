// rnnopt/core/gnuplot.h: running gnuplot on a script file, for the PNG plots of the tools.
//
// Plots are best effort: the tools write their data and script, then call run_gnuplot(); when
// gnuplot (or a PNG terminal) is missing they say so and go on.
//
//   const std::string term = rnnopt::gnuplot_png_terminal();   // "pngcairo", "png" or ""
//   rnnopt::GnuplotRun r = rnnopt::run_gnuplot("out/plot.gp");
//   if (!r.ok()) std::cerr << "gnuplot failed: " << r.output << '\n';
#pragma once

#include <filesystem>
#include <string>

namespace rnnopt {

// The PNG terminal of the installed gnuplot: "pngcairo" when it has one, else "png"; "" when
// gnuplot cannot be run or has no PNG terminal. Asks gnuplot once per process.
std::string gnuplot_png_terminal();

// What one gnuplot run did: its exit status (as from pclose; 0 on success) and everything it
// printed on stdout and stderr.
struct GnuplotRun {
  int status = -1;
  std::string output;
  bool ok() const { return status == 0; }
};

// Runs `gnuplot <script>` and waits for it. Never throws for gnuplot's failures.
GnuplotRun run_gnuplot(const std::filesystem::path& script);

// s in single quotes for the POSIX shell: it's -> 'it'\''s'.
std::string shell_quote(const std::string& s);

}  // namespace rnnopt
