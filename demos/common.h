// rnnopt/demos/common.h: small pieces shared by the demos of rnnopt-demo: durable text files,
// gnuplot PNGs, mean with a 95% interval and a plain-text table (on core/'s writes, gnuplot runner
// and intervals).
//
//   rnnopt::demos::write_text_atomic(dir / "summary.md", text);   // core's durable write
//   auto s = rnnopt::demos::mean_ci({1.0, 2.0, 3.0});              // s.mean, s.half_width
//   rnnopt::demos::render_png(dir / "plot.gp", script, std::cerr);  // runs gnuplot if present
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace rnnopt::demos {

// Writes text to path durably (core/durable_file.h: temporary file in the same folder, fsync,
// rename), so that a reader never sees a partial file. Throws std::runtime_error naming the path.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

// Creates dir (and parents) if needed; throws std::runtime_error naming it if it is not a
// writable folder.
void prepare_out_dir(const std::filesystem::path& dir);

// Mean, sample standard deviation, median and the half-width of the Student-t 95% interval of the
// mean (core/intervals.h: t_{0.975,n-1} sd / sqrt(n); 0 for n < 2). Empty input: all NaN.
// Requires finite values; throws std::invalid_argument otherwise.
struct MeanCi {
  double mean = 0.0;
  double sd = 0.0;
  double median = 0.0;
  double half_width = 0.0;
  int n = 0;
};
MeanCi mean_ci(const std::vector<double>& values);

// A plain-text table with aligned columns (first column left-aligned, the others right-aligned),
// also valid Markdown.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// fixed-point text of v with `digits` decimals ("nan" for NaN).
std::string fmt(double v, int digits);

// Writes the gnuplot script (which must `set output` to its PNG) next to the PNG and runs
// gnuplot on it. Returns false, with one line on `log`, when gnuplot (or a PNG terminal) is
// missing or fails; the demos' tables do not depend on it.
bool render_png(const std::filesystem::path& script_path, const std::string& script,
                std::ostream& log);
// CSV of per-step mean curves with 95% bands: the header
// `x_name,<name>_mean,<name>_lo,<name>_hi,...`, then for step s = 0..steps-1 the row s + 1 followed
// by mean_ci(values(k, s)) for each name k (mean, mean - half_width, mean + half_width).
std::string band_csv(const std::string& x_name, const std::vector<std::string>& names, int steps,
                     const std::function<std::vector<double>(int, int)>& values);
// The gnuplot plot items (without "plot ") that draw band_csv's file: per name, its band as
// filledcurves and its mean as a line of the same colour, titled with the name.
std::string band_plot_items(const std::filesystem::path& csv,
                            const std::vector<std::string>& names);
// The "set terminal ..." line for PNGs of the given size ("" when gnuplot has no PNG terminal).
std::string png_terminal(int width, int height);

// A stable 64-bit stream index for a method name (FNV-1a), so that a method's seeds do not depend
// on which other methods run.
std::uint64_t name_stream(const std::string& name);

}  // namespace rnnopt::demos
