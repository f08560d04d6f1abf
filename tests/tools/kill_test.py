#!/usr/bin/env python3
"""Kill-and-resume (issue 17): rnnopt-bench and rnnopt-meta-train are killed with SIGKILL at random
moments and run again with the same command; the end result equals an uninterrupted run's exactly.

  bench:      summary.json (every regret, interval and rank; the timings and the counts of runs
              executed or resumed aside) and the trace's evaluations (timings aside);
  meta-train: the weights of the last checkpoint (exported with rnnopt-export, tensor by tensor),
              the best checkpoint's iteration and the validation lines of metrics.jsonl.

Each case prints its seed; the kill moments are drawn from it, uniformly within the time the
uninterrupted run took (a kill that comes after the end kills nothing: the case is then a plain
rerun, which must also give the same result). RNNOPT_TEST_SEED=N repeats a case set.

Usage: kill_test.py SCRATCH bench=PATH [meta-train=PATH export=PATH]   (Python's stdlib only)
"""
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time

FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAILED:", what, flush=True)


def run_killed(cmd_for, kill_after):
    """Runs cmd_for(attempt) and SIGKILLs it after each delay in kill_after (one attempt each),
    then runs it to the end. Returns the number of kills that hit a running process."""
    hits = 0
    for attempt, delay in enumerate(kill_after):
        p = subprocess.Popen(cmd_for(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            hits += 1
    p = subprocess.run(cmd_for(), capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, f"final run exit {p.returncode}: {p.stderr[-2000:]}")
    return hits


def timed(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"uninterrupted run failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return time.monotonic() - t0


# ---- rnnopt-bench ------------------------------------------------------------------------------

TIMING_KEYS = {"cpu_us", "propose_us", "observe_us", "wall_us"}


def bench_result(out):
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    for k in ("timing", "runs", "command"):
        s.pop(k, None)
    evals = []
    with open(os.path.join(out, "trace.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            for k in TIMING_KEYS:
                j.pop(k, None)
            evals.append(json.dumps(j, sort_keys=True))
    return s, sorted(evals)


def bench_cases(scratch, bench, seed):
    args = ["--optimizers", "random,sobol,dlib-lipo,direct-l", "--functions", "gp:d=2,branin",
            "--instances", "10", "--horizons", "10,40", "--jobs", "2", "--quiet", "--no-plots"]
    ref = os.path.join(scratch, "bench-ref")
    shutil.rmtree(ref, ignore_errors=True)
    t = timed([bench] + args + ["--out", ref])
    want = bench_result(ref)
    for case in range(4):
        rng = random.Random(seed * 1000 + case)
        kills = [rng.uniform(0.05, 0.95) * t for _ in range(1 + case % 3)]
        out = os.path.join(scratch, f"bench-{case}")
        shutil.rmtree(out, ignore_errors=True)
        hits = run_killed(lambda: [bench] + args + ["--out", out], kills)
        print(f"bench case {case}: seed {seed * 1000 + case}, kills at "
              f"{', '.join(f'{k:.2f}' for k in kills)} s of {t:.2f} s ({hits} hit)", flush=True)
        got = bench_result(out)
        check(got[0] == want[0], f"bench case {case}: summary.json differs from the uninterrupted run's")
        check(got[1] == want[1], f"bench case {case}: trace evaluations differ "
                                 f"({len(got[1])} against {len(want[1])})")


# ---- rnnopt-meta-train ---------------------------------------------------------------------------

CONFIG = {
    "design": "acquisition", "name": "kill-test", "seed": 11, "d": 2, "hidden_size": 12,
    "num_layers": 1, "values": "standard",
    "acquisition": {"head_width": 10, "uniform_candidates": 40, "local_candidates": 8,
                    "kernels": [{"kind": "rbf", "length_scale": 0.3},
                                {"kind": "matern52", "length_scale": 0.6}],
                    "evidence": True, "fitted": True},
    "prior": {"kernel": "mixed", "variance": 1.0, "num_features": 64,
              "length_scale": {"kind": "loguniform", "low": 0.1, "high": 1.0,
                               "per_dimension": True}},
    "batch_size": 4, "horizon": 8, "steps": 40, "lr": 0.01, "validate_every": 10,
    "validation_functions": 2, "validation_horizon": 8, "checkpoint_every": 3,
    "head_init": "fitted",
}


def safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    return {k: body[v["data_offsets"][0]:v["data_offsets"][1]]
            for k, v in header.items() if k != "__metadata__"}


def train_result(scratch, export, run):
    out = os.path.join(scratch, os.path.basename(run) + ".safetensors")
    p = subprocess.run([export, run, "--out", out], capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, f"export of {run}: {p.stderr}")
    tensors = safetensors(out) if p.returncode == 0 else {}
    with open(os.path.join(run, "best.json")) as f:
        best = json.load(f)["iteration"]
    validations = []
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            if j.get("type") == "validation":
                validations.append((j.get("iteration"), j.get("policy"), j.get("mean")))
    return tensors, best, validations


def train_cases(scratch, train, export, seed):
    config = os.path.join(scratch, "kill-config.json")
    with open(config, "w") as f:
        json.dump(CONFIG, f)

    def command(run):
        # What a user does after a crash: --resume when a checkpoint exists, else start again.
        if os.path.exists(os.path.join(run, "checkpoint.pt")):
            return [train, "--out", run, "--resume", "--threads", "1"]
        return [train, "--config", config, "--out", run, "--threads", "1"]

    ref = os.path.join(scratch, "train-ref")
    shutil.rmtree(ref, ignore_errors=True)
    t = timed(command(ref))
    want = train_result(scratch, export, ref)
    for case in range(3):
        rng = random.Random(seed * 1000 + 100 + case)
        kills = [rng.uniform(0.05, 0.95) * t for _ in range(1 + case)]
        run = os.path.join(scratch, f"train-{case}")
        shutil.rmtree(run, ignore_errors=True)
        hits = run_killed(lambda: command(run), kills)
        print(f"meta-train case {case}: seed {seed * 1000 + 100 + case}, kills at "
              f"{', '.join(f'{k:.2f}' for k in kills)} s of {t:.2f} s ({hits} hit)", flush=True)
        got = train_result(scratch, export, run)
        check(got[0].keys() == want[0].keys() and all(got[0][k] == want[0][k] for k in want[0]),
              f"meta-train case {case}: final weights differ from the uninterrupted run's")
        check(got[1] == want[1], f"meta-train case {case}: best iteration {got[1]} != {want[1]}")
        check(got[2] == want[2], f"meta-train case {case}: validation lines differ")


def main():
    scratch = sys.argv[1]
    os.makedirs(scratch, exist_ok=True)
    tools = dict(a.split("=", 1) for a in sys.argv[2:])
    seed = int(os.environ.get("RNNOPT_TEST_SEED", random.SystemRandom().randrange(1, 10**6)))
    print(f"kill_test seed {seed} (rerun with RNNOPT_TEST_SEED={seed})", flush=True)
    bench_cases(scratch, tools["bench"], seed)
    if "meta-train" in tools and "export" in tools:
        train_cases(scratch, tools["meta-train"], tools["export"], seed)
    else:
        print("meta-train: not built (RNNOPT_WITH_TORCH=OFF), its cases skipped")
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
