#include "demos/common.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/durable_file.h"
#include "core/gnuplot.h"
#include "core/intervals.h"

namespace rnnopt::demos {

namespace fs = std::filesystem;

namespace {

// Characters on screen of UTF-8 text (continuation bytes do not count).
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void write_text_atomic(const fs::path& path, const std::string& text) {
  write_file_durably(path, text);
}

void prepare_out_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) {
    throw std::runtime_error("--out " + dir.string() + ": cannot create this folder" +
                             (ec ? " (" + ec.message() + ")" : std::string()));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw std::runtime_error("--out " + dir.string() + ": folder is not writable");
  }
}

MeanCi mean_ci(const std::vector<double>& values) {
  MeanCi s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan, nan, nan, 0};
  }
  const MeanInterval m = mean_interval(values);
  s.mean = m.mean;
  s.sd = m.sd;
  s.half_width =
      s.n > 1 ? student_t_quantile(s.n - 1) * m.sd / std::sqrt(static_cast<double>(s.n)) : 0.0;
  s.median = median_interval(values).median;
  return s;
}

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "nan";
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << v;
  return os.str();
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size(), 3);
  for (std::size_t c = 0; c < header.size(); ++c)
    width[c] = std::max(width[c], display_width(header[c]));
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], display_width(row[c]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::ostringstream s;
    s << "|";
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - display_width(cell), ' ');
      s << ' ';
      if (c == 0) {
        s << cell << pad;
      } else {
        s << pad << cell;
      }
      s << " |";
    }
    s << '\n';
    return s.str();
  };
  std::ostringstream sep;
  sep << "|";
  for (std::size_t c = 0; c < width.size(); ++c) {
    sep << (c == 0 ? ":" : "-") << std::string(width[c], '-') << (c == 0 ? "-|" : ":|");
  }
  std::string out = line(header);
  out += sep.str();
  out += '\n';
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string png_terminal(int width, int height) {
  const std::string terminal = gnuplot_png_terminal();
  if (terminal.empty()) return "";
  return "set terminal " + terminal + " size " + std::to_string(width) + "," +
         std::to_string(height);
}

bool render_png(const fs::path& script_path, const std::string& script, std::ostream& log) {
  write_text_atomic(script_path, script);
  if (png_terminal(100, 100).empty()) {
    log << "rnnopt-demo: gnuplot with a PNG terminal not found; no plot (" << script_path.string()
        << " kept)\n";
    return false;
  }
  const GnuplotRun run = run_gnuplot(script_path);
  if (!run.ok() || !run.output.empty()) {
    log << "rnnopt-demo: gnuplot reported on " << script_path.string() << ": "
        << run.output.substr(0, 200) << "\n";
    return false;
  }
  return true;
}

std::uint64_t name_stream(const std::string& name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string band_csv(const std::string& x_name, const std::vector<std::string>& names, int steps,
                     const std::function<std::vector<double>(int, int)>& values) {
  std::ostringstream csv;
  csv << x_name;
  for (const std::string& n : names) csv << "," << n << "_mean," << n << "_lo," << n << "_hi";
  csv << "\n";
  for (int s = 0; s < steps; ++s) {
    csv << s + 1;
    for (int k = 0; k < static_cast<int>(names.size()); ++k) {
      const MeanCi m = mean_ci(values(k, s));
      csv << "," << m.mean << "," << m.mean - m.half_width << "," << m.mean + m.half_width;
    }
    csv << "\n";
  }
  return csv.str();
}

std::string band_plot_items(const std::filesystem::path& csv,
                            const std::vector<std::string>& names) {
  std::ostringstream gp;
  for (int k = 0; k < static_cast<int>(names.size()); ++k) {
    const int c = 2 + 3 * k;
    gp << (k ? ", " : "") << "'" << csv.string() << "' every ::1 using 1:" << c + 1 << ":" << c + 2
       << " with filledcurves lc " << k + 1 << " notitle, '' every ::1 using 1:" << c
       << " with lines lw 2 lc " << k + 1 << " title '" << names[k] << "'";
  }
  return gp.str();
}

}  // namespace rnnopt::demos
