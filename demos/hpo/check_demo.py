#!/usr/bin/python3
"""The HPO demo at a tiny size (run by ctest as "python: hpo demo, tiny run and cache reuse"):

    PYTHONPATH=build/python RNNOPT_MODELS_DIR=models demos/hpo/check_demo.py SCRATCH_DIR

1. One task (svm-digits), 2 seeds, 5 evaluations, on 2 processes: the report is written, and every
   optimizer's mean best error at 5 is a number in [0, 1].
2. The same command again, on 1 process: no new evaluation (all from the cache), and the same
   trace (points, errors) as the first run.
3. Bad arguments exit with status 2 and one line naming the problem.
Prints one line per failure and exits 1 on any (about 20 s of CPU; 20 to 100 s wall on the
loaded 2-core machine).
"""

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "hpo.py")


def run(args):
    return subprocess.run([sys.executable, "-B", SCRIPT] + args, capture_output=True, text=True)


def main(scratch):
    shutil.rmtree(scratch, ignore_errors=True)
    out = os.path.join(scratch, "out")
    optimizers = ["rnn", "spearmint", "random", "sobol"]
    if importlib.util.find_spec("optuna"):
        optimizers.append("tpe")
    else:
        print("check_demo: optuna not installed, tpe not checked")
    base = ["--tasks", "svm-digits", "--seeds", "1-2", "--horizons", "3,5",
            "--optimizers", ",".join(optimizers), "--out", out, "--quiet"]
    problems = []

    first = run(base + ["--jobs", "2"])
    if first.returncode != 0:
        return [f"first run: exit {first.returncode}: {first.stderr.strip()[-800:]}"]
    summary = json.load(open(os.path.join(out, "summary.json")))
    report = open(os.path.join(out, "report.md")).read()
    rows = summary["tasks"][0]["rows"]
    if [r["optimizer"] for r in rows] != optimizers:
        problems.append(f"summary rows {[r['optimizer'] for r in rows]}, expected {optimizers}")
    for r in rows:
        mean = r["at"]["5"]["mean"]
        if not (isinstance(mean, float) and math.isfinite(mean) and 0.0 <= mean <= 1.0):
            problems.append(f"{r['label']}: mean best error at 5 is {mean!r}, not in [0, 1]")
        if f"| {r['label']} | 2 |" not in report:
            problems.append(f"report.md has no row for {r['label']}")
    if summary["evaluations"]["new"] == 0:
        problems.append("first run: no new evaluation (the scratch cache was not empty?)")
    if not os.path.isfile(os.path.join(out, "cache", "svm-digits.json")):
        problems.append("no cache file out/cache/svm-digits.json")
    trace1 = [json.loads(line) for line in open(os.path.join(out, "trace.jsonl"))]
    if len(trace1) != len(optimizers) * 2 * 5:
        problems.append(f"trace has {len(trace1)} lines, expected {len(optimizers) * 10}")

    second = run(base + ["--jobs", "1"])
    if second.returncode != 0:
        return problems + [f"rerun: exit {second.returncode}: {second.stderr.strip()[-800:]}"]
    evals = json.load(open(os.path.join(out, "summary.json")))["evaluations"]
    if evals["new"] != 0 or evals["cached"] != evals["total"]:
        problems.append(f"rerun fitted models again: {evals}")
    trace2 = [json.loads(line) for line in open(os.path.join(out, "trace.jsonl"))]
    same = ("task", "optimizer", "seed", "t", "x", "params", "error", "best")
    if [[r[k] for k in same] for r in trace1] != [[r[k] for k in same] for r in trace2]:
        problems.append("rerun (1 process, cached) gave another trace than the first run")

    for args, needle in ((["--tasks", "nope"], "unknown task 'nope'"),
                         (["--optimizers", "simplex"], "unknown optimizer 'simplex'"),
                         (["--seeds", "5-1"], "--seeds"), (["--jobs", "0"], "--jobs")):
        bad = run(args + ["--out", os.path.join(scratch, "bad")])
        lines = bad.stderr.strip().splitlines()
        if bad.returncode != 2 or len(lines) != 1 or needle not in lines[0]:
            problems.append(f"{args}: exit {bad.returncode}, stderr {bad.stderr.strip()!r}; "
                            f"expected exit 2 and one line with {needle!r}")
    if os.path.exists(os.path.join(scratch, "bad")):
        problems.append("a run with bad arguments created its output folder")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_demo.py SCRATCH_DIR")
    found = main(sys.argv[1])
    for p in found:
        print(f"check_demo: {p}")
    print("check_demo: " + ("FAILED" if found else "ok"))
    sys.exit(1 if found else 0)
