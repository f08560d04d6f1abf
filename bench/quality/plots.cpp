#include "bench/quality/plots.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/durable_file.h"
#include "core/gnuplot.h"

namespace rnnopt::bench {
namespace {

// A log axis has no zero: each panel's axis starts at a tenth of its smallest positive plotted
// centre value (but not below kMinFloor), and band edges below it are drawn at it.
constexpr double kMinFloor = 1e-10;

// Distinct colours for up to 8 optimizers (then they repeat).
constexpr const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

// gnuplot strings in double quotes: escape what gnuplot would interpret.
std::string gp_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '_') out += "\\\\";
    out += c;
  }
  return out;
}

double clamp_floor(double v, double floor) { return std::isfinite(v) ? std::max(v, floor) : floor; }

}  // namespace

std::vector<std::filesystem::path> write_plots(const Bench& bench, const Summary& summary,
                                               const std::filesystem::path& dir,
                                               std::ostream& log) {
  namespace fs = std::filesystem;
  std::vector<fs::path> pngs;
  const std::string terminal = gnuplot_png_terminal();
  if (terminal.empty()) {
    log << "rnnopt-bench: gnuplot with a png terminal not found (apt-get install gnuplot-nox); "
           "no plots\n";
  }
  const fs::path plot_dir = dir / "plots";
  fs::create_directories(plot_dir);
  const std::string stat = bench.config.plot_stat;
  const char* families[][2] = {{"gp", "GP test functions"}, {"classic", "classic functions"}};
  for (const auto& [family, family_title] : families) {
    std::vector<const FunctionEntry*> panels;
    for (const auto& f : bench.functions) {
      if (f.family != family) continue;
      const bool has_curve =
          std::any_of(summary.curves.begin(), summary.curves.end(),
                      [&](const RegretCurve& c) { return c.function == f.label; });
      if (has_curve) panels.push_back(&f);
    }
    if (panels.empty()) continue;

    // One data block per (panel, optimizer): t, center, lower, upper; addressed by `index`.
    std::ostringstream data;
    data.precision(8);
    std::ostringstream script;
    const fs::path png = dir / ("regret_" + std::string(family) + ".png");
    const fs::path png_tmp =
        dir / ("regret_" + std::string(family) + ".png.tmp." + std::to_string(::getpid()));
    const fs::path dat = plot_dir / ("regret_" + std::string(family) + ".dat");
    const int cols = std::min<int>(3, static_cast<int>(panels.size()));
    const int rows = (static_cast<int>(panels.size()) + cols - 1) / cols;
    script << "# rnnopt-bench: best-so-far regret against t (" << stat << ", 95% band)\n"
           << "set terminal " << terminal << " size " << 560 * cols << "," << 430 * rows
           << (terminal == "pngcairo" ? " enhanced font 'Sans,10'" : "") << "\n"
           << "set output " << shell_quote(png_tmp.string()) << "\n"
           << "set multiplot layout " << rows << "," << cols << " title \"Best-so-far regret, "
           << stat << " with 95% band, " << family_title << "\"\n"
           << "set logscale y\n"
           << (terminal == "pngcairo" ? "set format y '10^{%L}'\n" : "")
           << "set xlabel 't (evaluations)'\n"
           << "set ylabel 'regret'\nset grid\nset key bottom left\n"
           << "set style fill transparent solid 0.18 noborder\n";
    int index = 0;
    for (const FunctionEntry* f : panels) {
      std::vector<std::string> plots;
      int colour = 0;
      double floor = std::numeric_limits<double>::infinity();
      for (const auto& c : summary.curves) {
        if (c.function != f->label) continue;
        for (double v : c.center) {
          if (v > 0.0) floor = std::min(floor, v);
        }
      }
      floor = std::isfinite(floor) ? std::max(kMinFloor, 0.1 * floor) : kMinFloor;
      for (const auto& opt : bench.optimizers) {
        const RegretCurve* curve = nullptr;
        for (const auto& c : summary.curves) {
          if (c.optimizer == opt.label && c.function == f->label) curve = &c;
        }
        const std::string lc =
            std::string("lc rgb '") + kColours[colour++ % std::size(kColours)] + "'";
        if (curve == nullptr) continue;
        data << "# " << opt.label << " on " << f->label << " (n=" << curve->n << ")\n";
        for (std::size_t t = 0; t < curve->center.size(); ++t) {
          data << t + 1 << ' ' << clamp_floor(curve->center[t], floor) << ' '
               << clamp_floor(curve->lower[t], floor) << ' ' << clamp_floor(curve->upper[t], floor)
               << '\n';
        }
        data << "\n\n";
        const std::string src = shell_quote(dat.string()) + " index " + std::to_string(index);
        plots.push_back(src + " using 1:3:4 with filledcurves " + lc + " notitle");
        plots.push_back(src + " using 1:2 with lines lw 2 " + lc + " title \"" +
                        gp_text(opt.label) + " (n=" + std::to_string(curve->n) + ")\"");
        ++index;
      }
      script << "set title \"" << gp_text(f->label) << "\"\nset yrange [" << floor << ":*]\nplot ";
      for (std::size_t k = 0; k < plots.size(); ++k) script << (k ? ", \\\n     " : "") << plots[k];
      script << "\n";
    }
    script << "unset multiplot\nset output\n";
    write_file_durably(dat, data.str());
    const fs::path gp = plot_dir / ("regret_" + std::string(family) + ".gp");
    write_file_durably(gp, script.str());
    if (terminal.empty()) continue;
    std::string err = run_gnuplot(gp).output;
    std::error_code ec;
    if (fs::exists(png_tmp, ec) && fs::file_size(png_tmp, ec) > 0) {
      try {
        write_file_durably(png, read_file(png_tmp));
        fs::remove(png_tmp, ec);
        pngs.push_back(png);
        continue;
      } catch (const std::runtime_error& e) {
        err = e.what();
      }
    }
    fs::remove(png_tmp, ec);
    log << "rnnopt-bench: gnuplot failed on " << gp.string() << ": " << err.substr(0, 300) << '\n';
  }
  return pngs;
}

}  // namespace rnnopt::bench
