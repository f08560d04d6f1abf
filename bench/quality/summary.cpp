#include "bench/quality/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <stdexcept>

namespace rnnopt::bench {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

using Groups = std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>>;

std::vector<PairedSummary> paired_summaries(const Bench& bench, const Groups& groups) {
  std::vector<PairedSummary> out;
  for (const auto& a : bench.optimizers) {
    if (!a.learned) continue;
    for (const auto& b : bench.optimizers) {
      if (b.learned) continue;
      for (const auto& fn : bench.functions) {
        const auto ga = groups.find({a.label, fn.label});
        const auto gb = groups.find({b.label, fn.label});
        if (ga == groups.end() || gb == groups.end()) continue;
        std::map<std::pair<int, std::uint64_t>, const RunRecord*> by_key;
        for (const RunRecord* r : gb->second) by_key[{r->key.instance, r->key.seed}] = r;
        std::vector<std::pair<const RunRecord*, const RunRecord*>> shared;
        for (const RunRecord* r : ga->second) {
          const auto it = by_key.find({r->key.instance, r->key.seed});
          if (it != by_key.end()) shared.emplace_back(r, it->second);
        }
        if (shared.size() < 2) continue;
        for (int h : bench.config.horizons) {
          PairedSummary p{a.label, b.label, fn.label, h, {}, 0.0, 0.0, 0, 0, 0};
          std::vector<double> diff;
          diff.reserve(shared.size());
          for (const auto& [ra, rb] : shared) {
            const double x = ra->regret[h - 1], y = rb->regret[h - 1];
            diff.push_back(x - y);
            p.mean_a += x / static_cast<double>(shared.size());
            p.mean_b += y / static_cast<double>(shared.size());
            (x < y ? p.a_better : (y < x ? p.b_better : p.ties)) += 1;
          }
          p.difference = mean_interval(diff);
          out.push_back(std::move(p));
        }
      }
    }
  }
  return out;
}

using ProblemKey = std::pair<int, std::uint64_t>;  // (instance, seed)

// Regret below this counts as solved when ranking (COCO's final target is 1e-8): f* comes from a
// numerical search, so optimizers at 1e-15 and 1e-13 have both found the minimum and tie.
constexpr double kSolvedRegret = 1e-9;

// The ranks of every function at horizon h, pooled into the rows of one group.
struct RankAccumulator {
  std::map<std::string, double> rank_sum, regret_sum;
  int problems = 0;
  int competitors = 0;
};

// Ranks on every complete problem of function fn at horizon h, added to acc.
void rank_function(const Bench& bench, const Groups& groups, const FunctionEntry& fn, int h,
                   RankAccumulator& acc) {
  std::vector<std::pair<std::string, std::map<ProblemKey, const RunRecord*>>> ran;
  for (const auto& o : bench.optimizers) {
    const auto g = groups.find({o.label, fn.label});
    if (g == groups.end()) continue;
    std::map<ProblemKey, const RunRecord*> by_key;
    for (const RunRecord* r : g->second) by_key[{r->key.instance, r->key.seed}] = r;
    ran.emplace_back(o.label, std::move(by_key));
  }
  if (ran.empty()) return;
  for (const auto& [key, first] : ran.front().second) {
    std::vector<double> regret, ranked;
    for (const auto& [label, by_key] : ran) {
      const auto it = by_key.find(key);
      if (it == by_key.end()) break;
      regret.push_back(it->second->regret[h - 1]);
      // Solved to the accuracy of f* itself: a tie, not a ranking by round-off.
      ranked.push_back(regret.back() < kSolvedRegret ? 0.0 : regret.back());
    }
    if (regret.size() != ran.size()) continue;  // not every optimizer ran this problem
    const std::vector<double> ranks = average_ranks(ranked);
    for (std::size_t k = 0; k < ran.size(); ++k) {
      acc.rank_sum[ran[k].first] += ranks[k];
      acc.regret_sum[ran[k].first] += regret[k];
    }
    ++acc.problems;
    acc.competitors = std::max(acc.competitors, static_cast<int>(ran.size()));
  }
}

std::vector<RankSummary> rank_summaries(const Bench& bench, const Groups& groups) {
  // The groups: each function alone, each family with two or more functions, then all functions
  // when there are two or more.
  struct Group {
    std::string label, kind;
    std::vector<const FunctionEntry*> functions;
  };
  std::vector<Group> group_list;
  for (const auto& fn : bench.functions) group_list.push_back({fn.label, "function", {&fn}});
  std::vector<std::string> families;
  for (const auto& fn : bench.functions) {
    if (std::find(families.begin(), families.end(), fn.family) == families.end()) {
      families.push_back(fn.family);
    }
  }
  for (const auto& family : families) {
    Group g{"family " + family, "family", {}};
    for (const auto& fn : bench.functions) {
      if (fn.family == family) g.functions.push_back(&fn);
    }
    if (g.functions.size() >= 2) group_list.push_back(std::move(g));
  }
  if (bench.functions.size() >= 2 && families.size() >= 2) {
    Group all{"all", "all", {}};
    for (const auto& fn : bench.functions) all.functions.push_back(&fn);
    group_list.push_back(std::move(all));
  }

  std::vector<RankSummary> out;
  for (const Group& g : group_list) {
    for (int h : bench.config.horizons) {
      RankAccumulator acc;
      for (const FunctionEntry* fn : g.functions) rank_function(bench, groups, *fn, h, acc);
      if (acc.problems == 0) continue;
      RankSummary r;
      r.group = g.label;
      r.kind = g.kind;
      r.horizon = h;
      r.problems = acc.problems;
      r.competitors = acc.competitors;
      for (const auto& o : bench.optimizers) {
        // Ranked in the group only when it ran on each of the group's functions.
        bool everywhere = true;
        for (const FunctionEntry* fn : g.functions) {
          everywhere = everywhere && groups.count({o.label, fn->label}) > 0;
        }
        if (!everywhere || acc.rank_sum.count(o.label) == 0) continue;
        r.optimizers.push_back(o.label);
        // Every optimizer of the group ran each of its problems: the same count for all.
        r.mean_rank.push_back(acc.rank_sum[o.label] / acc.problems);
        r.mean_regret.push_back(acc.regret_sum[o.label] / acc.problems);
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

Summary summarize(const Bench& bench, const std::vector<RunRecord>& runs) {
  const int horizon = bench.config.max_horizon();
  Groups groups;
  for (const auto& r : runs) {
    if (r.length() < horizon) {
      throw std::invalid_argument("summarize(): run of " + r.key.optimizer + " on " +
                                  r.key.function + " has " + std::to_string(r.length()) +
                                  " evaluations, expected " + std::to_string(horizon));
    }
    groups[{r.key.optimizer, r.key.function}].push_back(&r);
  }
  Summary s;
  const int timed = std::min(100, horizon);
  for (const auto& opt : bench.optimizers) {
    for (const auto& fn : bench.functions) {
      auto it = groups.find({opt.label, fn.label});
      if (it == groups.end()) continue;
      const auto& group = it->second;
      for (int h : bench.config.horizons) {
        std::vector<double> at;
        at.reserve(group.size());
        for (const RunRecord* r : group) at.push_back(r->regret[h - 1]);
        s.regret.push_back(
            RegretSummary{opt.label, fn.label, h, mean_interval(at), median_interval(at)});
      }
      std::vector<double> cpu, wall;
      for (const RunRecord* r : group) {
        double cpu_us = 0.0, wall_us = 0.0;
        for (int t = 0; t < timed; ++t) {
          cpu_us += r->cpu_us[t];
          wall_us += r->propose_us[t] + r->observe_us[t];
        }
        cpu.push_back(cpu_us * 1e-6 * 100.0 / timed);
        wall.push_back(wall_us * 1e-6 * 100.0 / timed);
      }
      s.timing.push_back(
          TimingSummary{opt.label, fn.label, timed, mean_interval(cpu), mean_interval(wall)});

      RegretCurve c{opt.label, fn.label, static_cast<int>(group.size()), {}, {}, {}};
      std::vector<double> at(group.size());
      for (int t = 0; t < horizon; ++t) {
        for (std::size_t k = 0; k < group.size(); ++k) at[k] = group[k]->regret[t];
        if (bench.config.plot_stat == "median") {
          const MedianInterval m = median_interval(at);
          c.center.push_back(m.median);
          c.lower.push_back(m.lower);
          c.upper.push_back(m.upper);
        } else {
          const MeanInterval m = mean_interval(at);
          c.center.push_back(m.mean);
          c.lower.push_back(std::isfinite(m.lower) ? m.lower : m.mean);
          c.upper.push_back(std::isfinite(m.upper) ? m.upper : m.mean);
        }
      }
      s.curves.push_back(std::move(c));
    }
  }
  s.paired = paired_summaries(bench, groups);
  s.ranks = rank_summaries(bench, groups);
  return s;
}

nlohmann::json summary_json(const Bench& bench, const Summary& summary, const BenchResult& result) {
  const BenchConfig& cfg = bench.config;
  nlohmann::json j;
  j["format"] = "rnnopt-bench-summary/1";
  j["preset"] = cfg.preset;
  j["command"] = cfg.command_line;
  j["horizons"] = cfg.horizons;
  j["seeds"] = cfg.seeds;
  j["instances"] = cfg.instances;
  j["workers"] = cfg.workers;
  j["workers_protocol"] =
      cfg.workers == 1 ? "sequential: ask, evaluate, observe"
                       : "each run keeps " + std::to_string(cfg.workers) +
                             " trials pending; at every step one of them, chosen uniformly at "
                             "random (seeded by the run), completes and a new one is asked; "
                             "regret at t is over the first t completed evaluations";
  j["gp_instances"] = cfg.instances_for("gp", false);
  j["gp_optimizer_instances_cap"] = cfg.gp_optimizer_instances > 0
                                        ? nlohmann::json(cfg.gp_optimizer_instances)
                                        : nlohmann::json(nullptr);
  j["regret"] = "best-so-far regret min_{i<=t} f(x_i) - f*, at each horizon t";
  j["intervals"] =
      "95%: mean +- Student-t interval; median: distribution-free order-statistic interval";
  j["time"] =
      "optimizer seconds for 100 iterations (construction, propose and observe; function "
      "evaluations excluded): CPU time of the run's thread (plus the library's worker thread for "
      "direct-l, crs2 and cmaes), and wall-clock time";
  for (const auto& o : bench.optimizers) {
    j["optimizers"].push_back({{"label", o.label},
                               {"description", o.description},
                               {"gp_based", o.gp_based},
                               {"learned", o.learned},
                               {"peer", o.peer}});
    if (cfg.workers > 1) j["optimizers"].back()["pending_policy"] = o.pending_policy;
  }
  for (const auto& f : bench.functions) {
    j["functions"].push_back({{"label", f.label},
                              {"family", f.family},
                              {"dim", f.dim},
                              {"description", f.description},
                              {"first_instance_seed", f.instance_seed(0)},
                              {"spearmint_fixed_hypers", f.fixed_hypers_note}});
  }
  j["skipped"] = bench.skipped;
  j["notes"] = cfg.notes;
  j["failures"] = result.failures;
  j["runs"] = {{"complete", result.runs.size()},
               {"resumed", result.resumed},
               {"executed", result.executed},
               {"failed", result.failures.size()}};
  j["results"] = nlohmann::json::array();
  for (const auto& r : summary.regret) {
    j["results"].push_back(
        {{"optimizer", r.optimizer},
         {"function", r.function},
         {"horizon", r.horizon},
         {"n", r.mean.n},
         {"mean", r.mean.mean},
         {"sd", r.mean.sd},
         {"mean_ci", {number_or_null(r.mean.lower), number_or_null(r.mean.upper)}},
         {"median", r.median.median},
         {"median_ci", {r.median.lower, r.median.upper}},
         {"median_ci_ranks", {r.median.lower_rank, r.median.upper_rank}},
         {"median_ci_coverage", r.median.coverage}});
  }
  j["paired"] = nlohmann::json::array();
  for (const auto& p : summary.paired) {
    j["paired"].push_back(
        {{"a", p.a},
         {"b", p.b},
         {"function", p.function},
         {"horizon", p.horizon},
         {"n", p.difference.n},
         {"mean_a", p.mean_a},
         {"mean_b", p.mean_b},
         {"mean_difference", p.difference.mean},
         {"difference_ci",
          {number_or_null(p.difference.lower), number_or_null(p.difference.upper)}},
         {"a_better", p.a_better},
         {"b_better", p.b_better},
         {"ties", p.ties}});
  }
  j["ranks_method"] =
      "mean rank over problems (function instance x run seed) at each horizon; on each problem "
      "the optimizers that ran on the function are ranked by regret, 1 = lowest, ties averaged, "
      "regret below 1e-9 counting as 0 (solved: a tie); "
      "a function's problems are those all of them ran; families and all pool their functions' "
      "problems and rank only optimizers that ran on every one of those functions; mean_regret "
      "is over the same problems";
  j["ranks"] = nlohmann::json::array();
  for (const auto& r : summary.ranks) {
    nlohmann::json mean_rank = nlohmann::json::object(), mean_regret = nlohmann::json::object();
    for (std::size_t k = 0; k < r.optimizers.size(); ++k) {
      mean_rank[r.optimizers[k]] = r.mean_rank[k];
      mean_regret[r.optimizers[k]] = r.mean_regret[k];
    }
    j["ranks"].push_back({{"group", r.group},
                          {"kind", r.kind},
                          {"horizon", r.horizon},
                          {"problems", r.problems},
                          {"competitors", r.competitors},
                          {"mean_rank", mean_rank},
                          {"mean_regret", mean_regret}});
  }
  j["timing"] = nlohmann::json::array();
  for (const auto& t : summary.timing) {
    j["timing"].push_back(
        {{"optimizer", t.optimizer},
         {"function", t.function},
         {"n", t.seconds_per_100.n},
         {"iterations_timed", t.iterations_timed},
         {"cpu_seconds_per_100_iterations", t.seconds_per_100.mean},
         {"cpu_ci",
          {number_or_null(t.seconds_per_100.lower), number_or_null(t.seconds_per_100.upper)}},
         {"wall_seconds_per_100_iterations", t.wall_seconds_per_100.mean},
         {"wall_ci",
          {number_or_null(t.wall_seconds_per_100.lower),
           number_or_null(t.wall_seconds_per_100.upper)}}});
  }
  return j;
}

const RegretSummary* find_regret(const Summary& s, const std::string& optimizer,
                                 const std::string& function, int horizon) {
  for (const auto& r : s.regret) {
    if (r.optimizer == optimizer && r.function == function && r.horizon == horizon) return &r;
  }
  return nullptr;
}

const RankSummary* find_ranks(const Summary& s, const std::string& group, int horizon) {
  for (const auto& r : s.ranks) {
    if (r.group == group && r.horizon == horizon) return &r;
  }
  return nullptr;
}

const TimingSummary* find_timing(const Summary& s, const std::string& optimizer,
                                 const std::string& function) {
  for (const auto& t : s.timing) {
    if (t.optimizer == optimizer && t.function == function) return &t;
  }
  return nullptr;
}

}  // namespace rnnopt::bench
