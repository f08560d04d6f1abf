#include "bench/quality/trace.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "core/durable_file.h"

namespace rnnopt::bench {

std::string format_run(const RunRecord& r, const std::vector<Eigen::VectorXd>& xs) {
  const std::size_t n = r.y.size();
  if (xs.size() != n || r.regret.size() != n || r.propose_us.size() != n ||
      r.observe_us.size() != n || r.cpu_us.size() != n || r.workers < 1 ||
      (r.workers > 1 && r.trial.size() != n)) {
    throw std::invalid_argument("format_run(): inconsistent run record for " + r.key.optimizer +
                                " on " + r.key.function);
  }
  std::string out;
  double best_y = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    best_y = std::min(best_y, r.y[i]);
    nlohmann::json j;
    j["optimizer"] = r.key.optimizer;
    j["function"] = r.key.function;
    j["instance"] = r.key.instance;
    j["instance_seed"] = r.instance_seed;
    j["seed"] = r.key.seed;
    j["t"] = i + 1;
    j["n"] = n;
    j["x"] = std::vector<double>(xs[i].data(), xs[i].data() + xs[i].size());
    j["y"] = r.y[i];
    j["best_y"] = best_y;
    j["regret"] = r.regret[i];
    j["f_star"] = r.f_star;
    j["propose_us"] = r.propose_us[i];
    j["observe_us"] = r.observe_us[i];
    j["cpu_us"] = r.cpu_us[i];
    if (r.workers > 1) {  // sequential lines stay as they were before --workers
      j["workers"] = r.workers;
      j["trial"] = r.trial[i];
    }
    out += j.dump();
    out += '\n';
  }
  return out;
}

namespace {

struct ParsedLine {
  RunKey key;
  std::uint64_t instance_seed = 0;
  int t = 0;
  int n = 0;
  int workers = 1;
  std::uint64_t trial = 0;
  double y = 0.0, regret = 0.0, f_star = 0.0, propose_us = 0.0, observe_us = 0.0, cpu_us = 0.0;
};

bool parse_line(std::string_view line, ParsedLine& p) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  try {
    p.key.optimizer = j.at("optimizer").get<std::string>();
    p.key.function = j.at("function").get<std::string>();
    p.key.instance = j.at("instance").get<int>();
    p.key.seed = j.at("seed").get<std::uint64_t>();
    p.instance_seed = j.at("instance_seed").get<std::uint64_t>();
    p.t = j.at("t").get<int>();
    p.n = j.at("n").get<int>();
    p.y = j.at("y").get<double>();
    p.regret = j.at("regret").get<double>();
    p.f_star = j.at("f_star").get<double>();
    p.propose_us = j.at("propose_us").get<double>();
    p.observe_us = j.at("observe_us").get<double>();
    p.cpu_us = j.at("cpu_us").get<double>();
    p.workers = j.contains("workers") ? j.at("workers").get<int>() : 1;
    p.trial =
        j.contains("trial") ? j.at("trial").get<std::uint64_t>() : static_cast<std::uint64_t>(p.t);
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return p.t >= 1 && p.n >= 1 && p.t <= p.n && p.workers >= 1 && p.trial >= 1;
}

}  // namespace

TraceContents load_trace(const std::filesystem::path& path, bool repair) {
  TraceContents out;
  if (!std::filesystem::exists(path)) return out;
  const std::string text = read_file(path);

  // Runs are contiguous blocks t = 1..n; anything else is damage from an interruption.
  std::string kept;
  RunRecord block;
  std::string block_text;
  int block_n = 0;
  bool in_block = false;
  auto drop_block = [&] {
    if (in_block) out.damaged_lines += block.length();
    in_block = false;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {  // a truncated last line (no newline)
      ++out.damaged_lines;
      break;
    }
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ParsedLine p;
    if (!parse_line(line, p)) {
      drop_block();
      ++out.damaged_lines;
      continue;
    }
    const bool continues = in_block && p.key == block.key && p.n == block_n &&
                           p.workers == block.workers && p.t == block.length() + 1;
    if (!continues) {
      drop_block();
      if (p.t != 1) {
        ++out.damaged_lines;
        continue;
      }
      block = RunRecord{};
      block.key = p.key;
      block.instance_seed = p.instance_seed;
      block.f_star = p.f_star;
      block.workers = p.workers;
      block_n = p.n;
      block_text.clear();
      in_block = true;
    }
    block.y.push_back(p.y);
    block.regret.push_back(p.regret);
    block.propose_us.push_back(p.propose_us);
    block.observe_us.push_back(p.observe_us);
    block.cpu_us.push_back(p.cpu_us);
    block.trial.push_back(p.trial);
    block_text.append(line);
    block_text += '\n';
    if (block.length() == block_n) {
      kept += block_text;
      auto it = out.runs.find(block.key);
      if (it == out.runs.end() || it->second.length() < block.length()) {
        out.runs[block.key] = std::move(block);
      }
      in_block = false;
    }
  }
  drop_block();
  if (repair && out.damaged_lines > 0) {
    write_file_durably(path, kept);
    out.repaired = true;
  }
  return out;
}

}  // namespace rnnopt::bench
