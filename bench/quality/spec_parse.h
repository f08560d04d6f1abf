// rnnopt/bench/quality/spec_parse.h: the text of rnnopt-bench's command line. The parts of an
// optimizer or function spec ("gp:d=4:ell=0.2", "cmaes:pop=8", "rnn:PATH:segment=N"), read by
// the registries (registry.h), and the comma-separated lists of --optimizers, --functions,
// --horizons and --seeds, read by the command line (cli.h). Every error names where the text came
// from, e.g. "function 'gp:d=x': 'x' is not an integer".
//
//   auto parts = rnnopt::bench::split("gp:d=4:ell=0.2", ':');   // {"gp", "d=4", "ell=0.2"}
//   auto [key, value] = rnnopt::bench::key_value(parts[1], "function 'gp:d=4'", "key=value");
//   int d = rnnopt::bench::parse_int(value, "function 'gp:d=4'");                 // 4
//   auto seeds = rnnopt::bench::parse_seed_list("1000-1002,7");  // 1000, 1001, 1002, 7
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rnnopt::bench {

// The pieces of s between separators, empty ones included ("a::b" -> {"a", "", "b"}).
std::vector<std::string> split(std::string_view s, char sep);

// "key=value" as (key, value), split at the first '='. Throws
// std::invalid_argument("<where>: expected <expected>, got '<part>'") without '='.
std::pair<std::string, std::string> key_value(const std::string& part, const std::string& where,
                                              const std::string& expected);

// The whole of text as a number. Throws std::invalid_argument("<where>: '<text>' is not a number")
// (or "... is not an integer").
double parse_double(const std::string& text, const std::string& where);
int parse_int(const std::string& text, const std::string& where);

// v as an ostream writes it (6 significant digits), for labels and descriptions.
std::string format_number(double v);

// Splits on commas, dropping surrounding spaces; an empty item throws std::invalid_argument.
std::vector<std::string> split_list(std::string_view text, std::string_view what);
// "1000-1049,7" -> 1000, ..., 1049, 7. Throws std::invalid_argument naming the bad item.
std::vector<std::uint64_t> parse_seed_list(std::string_view text);
// "25,50,100" -> {25, 50, 100}. Throws std::invalid_argument naming the bad item.
std::vector<int> parse_int_list(std::string_view text, std::string_view what);

}  // namespace rnnopt::bench
