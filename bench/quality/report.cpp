#include "bench/quality/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <thread>

namespace rnnopt::bench {
namespace {

std::string interval(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "";
  return " [" + format_value(lo) + ", " + format_value(hi) + "]";
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

void table_header(std::ostringstream& md, const Bench& bench) {
  md << "| function |";
  for (const auto& o : bench.optimizers) md << " " << o.label << " |";
  md << "\n|---|";
  for (std::size_t k = 0; k < bench.optimizers.size(); ++k) md << "---|";
  md << "\n";
}

std::string format_rank(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", r);
  return buf;
}

// The optimizers with the lowest mean rank of r ("a and b" on a tie).
std::string best_of(const RankSummary& r) {
  const double best = *std::min_element(r.mean_rank.begin(), r.mean_rank.end());
  std::string s;
  for (std::size_t k = 0; k < r.optimizers.size(); ++k) {
    if (r.mean_rank[k] == best) s += (s.empty() ? "`" : " and `") + r.optimizers[k] + "`";
  }
  return s + " (" + format_rank(best) + ")";
}

const OptimizerEntry* entry(const Bench& bench, const std::string& label) {
  for (const auto& o : bench.optimizers) {
    if (o.label == label) return &o;
  }
  return nullptr;
}

// One sentence on a learned optimizer in one rank group at each horizon: its place, and its mean
// regret against the best peer's (dlib, NLopt, pagmo; the best other baseline when no peer ran)
// on the same problems.
std::string learned_standing(const Bench& bench, const Summary& summary, const std::string& group,
                             const std::string& learned) {
  std::string places, ratios;
  bool any = false;
  bool peers_ran = false;
  for (int h : bench.config.horizons) {
    const RankSummary* r = find_ranks(summary, group, h);
    if (r == nullptr) continue;
    const auto it = std::find(r->optimizers.begin(), r->optimizers.end(), learned);
    if (it == r->optimizers.end()) continue;
    const std::size_t me = static_cast<std::size_t>(it - r->optimizers.begin());
    int place = 1;
    for (double m : r->mean_rank) place += m < r->mean_rank[me] ? 1 : 0;
    // The best peer by mean regret; the best non-learned optimizer when no peer is ranked here.
    std::size_t best = r->optimizers.size();
    for (int pass = 0; pass < 2 && best == r->optimizers.size(); ++pass) {
      for (std::size_t k = 0; k < r->optimizers.size(); ++k) {
        const OptimizerEntry* o = entry(bench, r->optimizers[k]);
        if (o == nullptr || o->learned || (pass == 0 && !o->peer)) continue;
        if (best == r->optimizers.size() || r->mean_regret[k] < r->mean_regret[best]) best = k;
      }
    }
    peers_ran =
        peers_ran || (best < r->optimizers.size() && entry(bench, r->optimizers[best])->peer);
    places += std::string(any ? "; " : "") + "t = " + std::to_string(h) + ": " +
              std::to_string(place) + " of " + std::to_string(r->optimizers.size()) +
              " (mean rank " + format_rank(r->mean_rank[me]) + ")";
    if (best < r->optimizers.size()) {
      const double b = r->mean_regret[best];
      // Below the solved threshold a ratio only measures round-off: say so instead.
      ratios += std::string(any ? "; " : "") + "t = " + std::to_string(h) + ": " +
                (b >= 1e-9 ? format_value(r->mean_regret[me] / b) + "x (`" + r->optimizers[best] +
                                 "` " + format_value(b) + ")"
                           : format_value(r->mean_regret[me]) + " against `" + r->optimizers[best] +
                                 "`'s " + format_value(b) + " (solved every problem)");
    }
    any = true;
  }
  if (!any) return "";
  if (ratios.empty()) {  // only learned optimizers ran: nothing to divide by
    return "`" + learned + "` places " + places + " (no baseline ran on these problems).";
  }
  return "`" + learned + "` places " + places + "; its mean regret is, against the best " +
         (peers_ran ? "peer's" : "baseline's") + ", " + ratios + ".";
}

void verdict(std::ostringstream& md, const Bench& bench, const Summary& summary) {
  md << "## Verdict\n\nGenerated from the rank table below: the best optimizer is the one with "
        "the lowest mean rank (in parentheses); a learned optimizer's place is by mean rank, and "
        "its mean regret is divided by the best peer's (dlib, NLopt, pagmo) on the same problems."
        "\n\n";
  bool any = false;
  std::vector<std::string> groups;
  for (const auto& r : summary.ranks) {
    if (std::find(groups.begin(), groups.end(), r.group) == groups.end()) groups.push_back(r.group);
  }
  for (const auto& group : groups) {
    std::string line = "- **" + group + "**";
    bool first = true;
    int problems = 0;
    for (int h : bench.config.horizons) {
      const RankSummary* r = find_ranks(summary, group, h);
      if (r == nullptr || r->optimizers.empty()) continue;
      problems = r->problems;
      line += std::string(first ? ": best at " : ", ") + "t = " + std::to_string(h) + ": " +
              best_of(*r);
      first = false;
    }
    if (first) continue;
    line += " [" + std::to_string(problems) + " problems].";
    for (const auto& o : bench.optimizers) {
      if (!o.learned) continue;
      const std::string s = learned_standing(bench, summary, group, o.label);
      if (!s.empty()) line += " " + s;
    }
    md << line << "\n";
    any = true;
  }
  if (!any) md << "No rank could be computed (no problem was run by every optimizer).\n";
  md << "\n";
}

void rank_tables(std::ostringstream& md, const Bench& bench, const Summary& summary) {
  md << "\n## Mean rank\n\nOn each problem (a function instance with a run seed) the optimizers "
        "that ran on the function are ranked by regret at t (1 = lowest; ties share the mean of "
        "their ranks; regret below 1e-9 counts as 0, solved, since f* is itself found "
        "numerically); the table gives each optimizer's mean rank over the problems every one of "
        "them ran (n; the GP-based optimizers may have run on fewer instances). Family rows and "
        "`all` pool their functions' problems and rank only the optimizers that ran on every one "
        "of those functions (-: not ranked there). Lower is better; the best of each row in "
        "bold. summary.json: `ranks`.\n";
  for (int h : bench.config.horizons) {
    md << "\n### Mean rank at t = " << h << "\n\n| group | n |";
    for (const auto& o : bench.optimizers) md << " " << o.label << " |";
    md << "\n|---|---|";
    for (std::size_t k = 0; k < bench.optimizers.size(); ++k) md << "---|";
    md << "\n";
    for (const auto& r : summary.ranks) {
      if (r.horizon != h) continue;
      const double best =
          r.mean_rank.empty() ? 0.0 : *std::min_element(r.mean_rank.begin(), r.mean_rank.end());
      md << "| " << r.group << " | " << r.problems << " |";
      for (const auto& o : bench.optimizers) {
        const auto it = std::find(r.optimizers.begin(), r.optimizers.end(), o.label);
        if (it == r.optimizers.end()) {
          md << " - |";
          continue;
        }
        const double m = r.mean_rank[static_cast<std::size_t>(it - r.optimizers.begin())];
        const char* mark = m == best ? "**" : "";
        md << " " << mark << format_rank(m) << mark << " |";
      }
      md << "\n";
    }
  }
}

}  // namespace

std::string format_value(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  if (v == 0.0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e4) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2e", v);
  }
  return buf;
}

std::string report_markdown(const Bench& bench, const Summary& summary, const BenchResult& result,
                            const std::vector<std::filesystem::path>& pngs) {
  const BenchConfig& cfg = bench.config;
  std::ostringstream md;
  md << "# rnnopt-bench report\n\n";
  if (!cfg.command_line.empty()) md << "Command: `" << cfg.command_line << "`\n\n";
  if (!cfg.preset.empty()) md << "Preset: `" << cfg.preset << "`.\n\n";
  for (const auto& note : cfg.notes) md << "> " << note << "\n>\n";
  if (!cfg.notes.empty()) md << "\n";

  verdict(md, bench, summary);
  md << "## Setup\n\n";
  md << "A run is one optimizer on one function instance with one seed, evaluated "
     << cfg.max_horizon() << " times; regret is reported at t = ";
  for (std::size_t k = 0; k < cfg.horizons.size(); ++k) md << (k ? ", " : "") << cfg.horizons[k];
  md << ". Seeds: ";
  for (std::size_t k = 0; k < cfg.seeds.size(); ++k) {
    if (k == 3 && cfg.seeds.size() > 4) {
      md << ", ..., " << cfg.seeds.back();
      break;
    }
    md << (k ? ", " : "") << cfg.seeds[k];
  }
  md << " (run seed s on instance i gives the optimizer the seed derive_seed(s, i)). Instances per "
        "function: "
     << cfg.instances_for("classic", false) << " per classic function, "
     << cfg.instances_for("gp", false) << " per GP function";
  if (cfg.gp_optimizer_instances > 0) {
    md << "; GP-based optimizers run on the first " << cfg.gp_optimizer_instances
       << " of them at most";
  }
  md << ". Runs: " << result.runs.size() << " complete (" << result.resumed
     << " resumed from an earlier invocation), " << result.failures.size() << " failed.\n\n";
  if (cfg.workers > 1) {
    md << "**Parallel evaluation: " << cfg.workers << " workers** (`--workers " << cfg.workers
       << "`; Chen et al. 2017, section 2.3). Each run asks for " << cfg.workers
       << " trials at the start and keeps " << cfg.workers
       << " pending; at every step one pending trial, chosen uniformly at random, completes (it is "
          "evaluated and observed by its id) and a new one is asked until "
       << cfg.max_horizon()
       << " have been asked. The choice is drawn from a generator seeded by the run's optimizer "
          "seed, so every optimizer sees the same completion pattern on the same instance and "
          "seed. Regret at t is over the first t completed evaluations, in completion order. "
          "Times: an evaluation is charged the ask() of its own trial and its own observe(). How "
          "each optimizer proposes while trials are pending is stated with it below.\n\n";
  }
  md << "**Optimizers**\n\n";
  for (const auto& o : bench.optimizers) {
    md << "- `" << o.label << "`: " << o.description;
    if (cfg.workers > 1) md << ". With pending trials: " << o.pending_policy;
    md << "\n";
  }
  md << "\n**Functions**\n\n";
  for (const auto& f : bench.functions) {
    md << "- `" << f.label << "`: " << f.description << "; instance i has seed "
       << f.instance_seed(0) << " + i";
    if (f.family == "gp")
      md << " (GP test seeds lie in [2^63, 2^63 + 2^48), disjoint from training)";
    md << ".\n";
  }
  bool fixed = false;
  for (const auto& o : bench.optimizers) fixed = fixed || o.label == "spearmint-fixed";
  if (fixed) {
    md << "\n**spearmint-fixed** is told, for each function:\n\n";
    for (const auto& f : bench.functions)
      md << "- `" << f.label << "`: " << f.fixed_hypers_note << ".\n";
  }
  if (!bench.skipped.empty()) {
    md << "\n**Not run** (the optimizer does not support the function's dimension):\n\n";
    for (const auto& s : bench.skipped) md << "- " << s << "\n";
  }
  if (!result.failures.empty()) {
    md << "\n**Failed runs** (left out of the statistics; rerun to retry them):\n\n";
    for (const auto& s : result.failures) md << "- " << s << "\n";
  }

  md << "\n## Regret\n\nBest-so-far regret min_{i<=t} f(x_i) - f* (f*: the instance's global "
        "minimum). Mean with a 95% Student-t interval; median with a 95% distribution-free "
        "interval from the order statistics (for fewer than 6 runs it is the range [min, max], "
        "with less than 95% coverage). n runs per cell as in summary.json.\n";
  for (const char* stat : {"Mean", "Median"}) {
    for (int h : cfg.horizons) {
      md << "\n### " << stat << " regret at t = " << h << "\n\n";
      table_header(md, bench);
      for (const auto& f : bench.functions) {
        md << "| " << f.label << " |";
        for (const auto& o : bench.optimizers) {
          const RegretSummary* r = find_regret(summary, o.label, f.label, h);
          if (r == nullptr) {
            md << " - |";
          } else if (std::string(stat) == "Mean") {
            md << " " << format_value(r->mean.mean) << interval(r->mean.lower, r->mean.upper)
               << " |";
          } else {
            md << " " << format_value(r->median.median)
               << interval(r->median.lower, r->median.upper) << " |";
          }
        }
        md << "\n";
      }
    }
  }

  rank_tables(md, bench, summary);

  if (!summary.paired.empty()) {
    md << "\n## Paired: each learned optimizer against each baseline\n\nOn the runs both have "
          "(same function, instance and seed; the GP optimizers may have run on fewer instances "
          "than the others, and this compares like with like): mean regret of each on those runs, "
          "the mean difference (learned minus baseline; below 0 the learned optimizer is better) "
          "with its 95% t-interval, and in how many runs each was lower.\n\n";
    md << "| function | learned | baseline | t | n | mean learned | mean baseline | difference "
          "| learned lower | baseline lower |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& p : summary.paired) {
      md << "| " << p.function << " | " << p.a << " | " << p.b << " | " << p.horizon << " | "
         << p.difference.n << " | " << format_value(p.mean_a) << " | " << format_value(p.mean_b)
         << " | " << format_value(p.difference.mean)
         << interval(p.difference.lower, p.difference.upper) << " | " << p.a_better << " | "
         << p.b_better << " |\n";
    }
  }

  md << "\n## Time for 100 iterations (like the paper's Table 1)\n\nCPU seconds of the "
        "optimizer's own work (construction, propose and observe; one thread per run) for 100 "
        "iterations, function evaluations excluded; mean over runs with a 95% interval (for the "
        "libraries run on a worker thread behind ask/tell, `direct-l`, `crs2` and `cmaes`, the "
        "worker's CPU time is included; the two threads never run at once). CPU time "
        "rather than wall-clock time, so that other work on the machine does not inflate it; "
        "summary.json has both. Measured with "
     << cfg.jobs << " run(s) in parallel on a machine with " << std::thread::hardware_concurrency()
     << " hardware threads";
  if (cfg.max_horizon() < 100) {
    md << "; runs are shorter than 100 iterations, so the first " << cfg.max_horizon()
       << " are scaled to 100 (an underestimate for the GP optimizers, whose cost grows with t)";
  }
  md << ".\n\n";
  table_header(md, bench);
  for (const auto& f : bench.functions) {
    md << "| " << f.label << " |";
    for (const auto& o : bench.optimizers) {
      const TimingSummary* t = find_timing(summary, o.label, f.label);
      if (t == nullptr) {
        md << " - |";
      } else {
        md << " " << format_value(t->seconds_per_100.mean)
           << interval(t->seconds_per_100.lower, t->seconds_per_100.upper) << " |";
      }
    }
    md << "\n";
  }

  md << "\n## Plots\n\nBest-so-far regret against t, " << cfg.plot_stat
     << " over runs with its 95% band, log scale (each panel's axis starts at a tenth of its "
        "smallest "
        "positive curve value; band edges below it, e.g. a mean interval reaching below zero, are "
        "drawn at it). Data and gnuplot scripts: `plots/`.\n\n";
  if (pngs.empty()) md << "No plots were rendered (gnuplot with a png terminal not found).\n";
  for (const auto& p : pngs)
    md << "![" << p.stem().string() << "](" << p.filename().string() << ")\n\n";
  return md.str();
}

void print_summary_table(std::ostream& out, const Bench& bench, const Summary& summary) {
  const auto& cfg = bench.config;
  std::size_t fw = 10, ow = 10;
  for (const auto& f : bench.functions) fw = std::max(fw, f.label.size() + 2);
  for (const auto& o : bench.optimizers) ow = std::max(ow, o.label.size() + 2);
  const std::size_t cw = 22;
  out << "\nBest-so-far regret: mean (median) at each horizon; optimizer seconds per 100 "
         "iterations\n";
  out << pad("function", fw) << pad("optimizer", ow) << pad("runs", 6);
  for (int h : cfg.horizons) out << pad("t=" + std::to_string(h), cw);
  out << "s/100 it\n";
  for (const auto& f : bench.functions) {
    for (const auto& o : bench.optimizers) {
      const TimingSummary* t = find_timing(summary, o.label, f.label);
      if (t == nullptr) continue;
      out << pad(f.label, fw) << pad(o.label, ow) << pad(std::to_string(t->seconds_per_100.n), 6);
      for (int h : cfg.horizons) {
        const RegretSummary* r = find_regret(summary, o.label, f.label, h);
        out << pad(format_value(r->mean.mean) + " (" + format_value(r->median.median) + ")", cw);
      }
      out << format_value(t->seconds_per_100.mean) << "\n";
    }
  }
}

}  // namespace rnnopt::bench
