#!/usr/bin/python3
"""Hyper-parameter tuning on real data (Chen et al. 2017, section 5.4, here): the rnnopt models,
the Spearmint-like optimizer, the peers and Optuna's TPE tune scikit-learn models on data sets
Debian's python3-sklearn ships, with 3-fold cross-validated error as the objective.

    /usr/bin/python3 demos/hpo/hpo.py                 # defaults: 3 tasks, 6 optimizers, 10 seeds
    /usr/bin/python3 demos/hpo/hpo.py --help

Writes OUT/report.md (tables: mean best CV error with 95% t-intervals over seeds at each horizon,
median, mean rank), OUT/summary.json, OUT/trace.jsonl (one line per evaluation) and OUT/hpo.png;
evaluations are cached in OUT/cache/TASK.json, so a rerun fits no model twice. Progress goes to
stderr. Exit status: 0 done, 1 a run failed, 2 bad arguments or a missing package.
See demos/hpo/README.md.
"""

import os

# One thread per worker process: the runs are spread over processes instead.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import resource  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import cache as cache_mod  # noqa: E402
import report  # noqa: E402
import runners  # noqa: E402
import tasks as tasks_mod  # noqa: E402


class UsageError(Exception):
    """A bad argument or a missing package: one line on stderr, exit status 2."""


def import_rnnopt():
    """Imports rnnopt from PYTHONPATH, else from the checkout's build/python; points
    RNNOPT_MODELS_DIR at the checkout's models/ when the module has no models folder."""
    try:
        import rnnopt
    except ImportError:
        sys.path.insert(1, os.path.join(REPO, "build", "python"))
        try:
            import rnnopt
        except ImportError as e:
            raise UsageError(
                f"cannot import rnnopt ({e}); build it (cmake --build build --target "
                "rnnopt_python) or set PYTHONPATH to the build's python folder") from None
    if rnnopt.models_dir() is None and os.path.isdir(os.path.join(REPO, "models")):
        os.environ["RNNOPT_MODELS_DIR"] = os.path.join(REPO, "models")
    return rnnopt


def parse_ints(text, what):
    """'1-10' or '1,2,5' or '3' -> sorted distinct ints >= 0."""
    out = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            lo, hi = int(lo), int(hi or lo)
            if lo < 0 or hi < lo:
                raise ValueError
            out.update(range(lo, hi + 1))
    except ValueError:
        raise UsageError(f"--{what}: expected numbers like 1-10 or 25,50, got {text!r}") from None
    return sorted(out)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="demos/hpo/hpo.py",
        description="Tunes scikit-learn models (SVM, logistic regression by SGD, gradient "
                    "boosting) with rnnopt's optimizers, Optuna's TPE and random search; reports "
                    "best cross-validated error against evaluations.",
        epilog="Tasks: " + ", ".join(tasks_mod.TASKS) + ". Optimizers: rnn (acq-fit-dN for the "
               "task's d), rnn:NAME|PATH, tpe (Optuna), " + ", ".join(runners.RNNOPT_NAMES) +
               ". Needs python3-sklearn; tpe needs python3-optuna.")
    p.add_argument("--tasks", default=",".join(tasks_mod.TASKS),
                   help="comma-separated tasks (default: all)")
    p.add_argument("--optimizers", default=None,
                   help="comma-separated optimizers (default: %s; tpe only with optuna)"
                        % ",".join(runners.DEFAULT_OPTIMIZERS))
    p.add_argument("--seeds", default="1-10", help="seeds, e.g. 1-10 or 1,4,7 (default: 1-10)")
    p.add_argument("--horizons", default="25,50",
                   help="evaluations at which to report; runs go to the largest (default: 25,50)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2)")
    p.add_argument("--out", default="out/hpo", help="output folder (default: out/hpo)")
    p.add_argument("--cache", default=None, help="cache folder (default: OUT/cache)")
    p.add_argument("--quiet", action="store_true", help="no progress line per run")
    args = p.parse_args(argv)

    args.task_names = [t for t in args.tasks.split(",") if t]
    for t in args.task_names:
        if t not in tasks_mod.TASKS:
            raise UsageError(f"--tasks: unknown task {t!r} (known: {', '.join(tasks_mod.TASKS)})")
    if not args.task_names:
        raise UsageError("--tasks: no task given")
    if args.optimizers is None:
        args.opt_names = list(runners.DEFAULT_OPTIMIZERS)
        if not runners.optuna_available():
            args.opt_names.remove("tpe")
            print("hpo: optuna is not installed (sudo apt-get install python3-optuna); "
                  "tpe skipped", file=sys.stderr)
    else:
        args.opt_names = [o for o in args.optimizers.split(",") if o]
        if not args.opt_names:
            raise UsageError("--optimizers: no optimizer given")
        for o in args.opt_names:
            try:
                runners.check_name(o)
            except ValueError as e:
                raise UsageError(f"--optimizers: {e}") from None
        if "tpe" in args.opt_names and not runners.optuna_available():
            raise UsageError("--optimizers tpe needs optuna (sudo apt-get install python3-optuna)")
    if len(set(args.opt_names)) != len(args.opt_names):
        raise UsageError("--optimizers: a name is given twice")
    args.seed_list = parse_ints(args.seeds, "seeds")
    args.horizon_list = parse_ints(args.horizons, "horizons")
    if args.horizon_list[0] < 1:
        raise UsageError("--horizons: a horizon must be at least 1")
    if args.jobs < 1:
        raise UsageError(f"--jobs: must be at least 1, got {args.jobs}")
    args.cache = args.cache or os.path.join(args.out, "cache")
    return args


# ---- worker side: one run (task, optimizer, seed) to the largest horizon ----

_TASKS = {}     # task name -> Task (its data loaded once per process)
_SNAPSHOT = {}  # task name -> ((mtime_ns, size), entries) of the cache file last read


def _cache_entries(task, cache_dir):
    """The task's cache as last written by the parent (re-read when the file changed)."""
    path = os.path.join(cache_dir, task.name + ".json")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {}
    stamp = (st.st_mtime_ns, st.st_size)
    if _SNAPSHOT.get(task.name, (None,))[0] != stamp:
        _SNAPSHOT[task.name] = (stamp, cache_mod.EvalCache.open(path, task.spec()).entries)
    return _SNAPSHOT[task.name][1]


def run_job(job):
    """Runs one optimizer on one task with one seed; returns (run, trace lines, new evaluations)."""
    task_name, opt_name, seed, horizon, cache_dir = job
    if task_name not in _TASKS:
        _TASKS[task_name] = tasks_mod.make_task(task_name)
    task = _TASKS[task_name]
    task.data()  # loaded before the clock of the first evaluation starts
    known = _cache_entries(task, cache_dir)
    new = {}
    start = time.monotonic()
    runner = runners.make_runner(opt_name, task.bounds(), seed, horizon)
    best, curve, propose_ms, lines = float("inf"), [], [], []
    for t in range(1, horizon + 1):
        t0 = time.perf_counter()
        x = runner.ask()
        t_ask = time.perf_counter() - t0
        params = task.params_at(x)
        key = task.key(params)
        hit = known.get(key) or new.get(key)
        if hit is None:
            t1 = time.perf_counter()
            error, failed = task.evaluate(params)
            hit = {"error": error, "seconds": time.perf_counter() - t1, "failed_folds": failed}
            new[key] = hit
            cached = False
        else:
            cached = True
        t2 = time.perf_counter()
        runner.tell(x, hit["error"])
        propose_ms.append(1000.0 * (t_ask + time.perf_counter() - t2))
        best = min(best, hit["error"])
        curve.append(best)
        lines.append({"task": task_name, "optimizer": opt_name, "label": runner.label,
                      "seed": seed, "t": t, "x": [float(v) for v in x], "params": params,
                      "error": hit["error"], "best": best, "cached": cached,
                      "failed_folds": hit.get("failed_folds", 0),
                      "propose_ms": round(propose_ms[-1], 3),
                      "eval_s": 0.0 if cached else round(hit["seconds"], 4)})
    run = {"task": task_name, "optimizer": opt_name, "label": runner.label, "seed": seed,
           "best": curve, "propose_ms": propose_ms, "seconds": time.monotonic() - start,
           "new": len(new), "cached": sum(1 for line in lines if line["cached"])}
    return run, lines, new


# ---- parent side ----

def plan_jobs(args, task_objs, rnnopt):
    """The jobs, costliest first (Spearmint, then by the task's fitting cost), and the
    (task, optimizer) pairs skipped because the optimizer does not fit the task."""
    horizon = args.horizon_list[-1]
    jobs, skipped = [], []
    for task in task_objs:
        for name in args.opt_names:
            try:
                runners.make_runner(name, task.bounds(), 0, horizon)
            except runners.Unsupported as e:
                skipped.append(f"{name} on {task.name}: {e}")
                continue
            except (ValueError, rnnopt.ModelError) as e:
                raise UsageError(f"--optimizers {name}: {e}") from None
            jobs += [(task.name, name, seed, horizon, args.cache) for seed in args.seed_list]
    weight = {"spearmint": 0, "spearmint-fixed": 1}
    order = {"gb-cancer": 0, "svm-digits": 1}
    jobs.sort(key=lambda j: (weight.get(j[1], 2), order.get(j[0], 2), j[2]))
    return jobs, skipped


def run_all(args, task_objs, jobs, caches):
    """Runs the jobs (in worker processes when --jobs > 1), merging each one's new evaluations
    into the caches as it finishes. Returns (runs, trace lines)."""
    runs, lines = [], []

    def merge(result, done):
        run, run_lines, new = result
        cache = caches[run["task"]]
        for key, e in new.items():
            cache.put(key, e["error"], e["seconds"], e.get("failed_folds", 0))
        cache.save()
        runs.append(run)
        lines.extend(run_lines)
        if not args.quiet:
            print(f"hpo: [{done}/{len(jobs)}] {run['task']} {run['label']} seed {run['seed']}: "
                  f"best {run['best'][-1]:.4f} ({run['new']} new evaluations, {run['cached']} "
                  f"cached, {run['seconds']:.1f} s)", file=sys.stderr, flush=True)

    if args.jobs == 1:
        for i, job in enumerate(jobs, 1):
            merge(run_job(job), i)
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(min(args.jobs, len(jobs))) as pool:
            for i, result in enumerate(pool.imap_unordered(run_job, jobs), 1):
                merge(result, i)
            pool.close()
            pool.join()
    return runs, lines


def main(argv):
    wall0 = time.monotonic()
    load = os.getloadavg()[0]
    args = parse_args(argv)
    try:
        import sklearn
    except ImportError:
        raise UsageError("needs scikit-learn (sudo apt-get install python3-sklearn)") from None
    rnnopt = import_rnnopt()
    task_objs = [tasks_mod.make_task(t) for t in args.task_names]
    jobs, skipped = plan_jobs(args, task_objs, rnnopt)
    for s in skipped:
        print(f"hpo: skipped {s}", file=sys.stderr)
    if not jobs:
        raise UsageError("no optimizer can run on the tasks given")
    os.makedirs(args.out, exist_ok=True)
    caches = {}
    for task in task_objs:
        c = cache_mod.EvalCache.open(os.path.join(args.cache, task.name + ".json"), task.spec())
        if c.note:
            print(f"hpo: {c.note}", file=sys.stderr)
        caches[task.name] = c
    print(f"hpo: {len(jobs)} runs ({len(task_objs)} tasks, {len(args.opt_names)} optimizers, "
          f"{len(args.seed_list)} seeds, {args.horizon_list[-1]} evaluations each) on "
          f"{args.jobs} processes; cache {args.cache} has "
          f"{sum(len(c) for c in caches.values())} evaluations", file=sys.stderr, flush=True)

    runs, lines = run_all(args, task_objs, jobs, caches)

    wall = time.monotonic() - wall0
    cpu = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))
    order = {(t.name, o): (i, j) for i, t in enumerate(task_objs)
             for j, o in enumerate(args.opt_names)}
    lines.sort(key=lambda r: (order[(r["task"], r["optimizer"])], r["seed"], r["t"]))
    new = sum(r["new"] for r in runs)
    n_eval = sum(len(r["best"]) for r in runs)
    failed = sum(1 for r in lines if r["failed_folds"] and not r["cached"])

    summary = report.summarize(runs, task_objs, args.opt_names, args.horizon_list)
    import scipy
    versions = {"python": sys.version.split()[0], "sklearn": sklearn.__version__,
                "scipy": scipy.__version__}
    if "tpe" in args.opt_names:
        import optuna
        versions["optuna"] = optuna.__version__
    command = "/usr/bin/python3 demos/hpo/hpo.py" + (" " + shlex.join(argv) if argv else "")
    summary.update({"command": command, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                    "jobs": args.jobs, "cpus": os.cpu_count(), "load_at_start": round(load, 2),
                    "evaluations": {"total": n_eval, "new": new, "cached": n_eval - new,
                                    "new_with_failed_folds": failed},
                    "cache_entries": {t: len(c) for t, c in caches.items()},
                    "versions": versions, "skipped": skipped})
    header = [
        "## Hyper-parameter tuning on scikit-learn data (demos/hpo)",
        "",
        f"`{command}`: {len(runs)} runs of {args.horizon_list[-1]} evaluations "
        f"({len(args.seed_list)} seeds per task and optimizer); {n_eval} evaluations, {new} new "
        f"(fitted) and {n_eval - new} from the cache; {wall:.0f} s wall, {cpu:.0f} s CPU (user + "
        f"system, workers included) with "
        f"--jobs {args.jobs} on {os.cpu_count()} CPUs (load average {load:.1f} at the start); "
        + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        "The objective is the 3-fold cross-validated classification error (fixed folds, fixed "
        "model seeds): every optimizer tunes the same function, and the interval (Student-t, "
        "95%) is over the optimizers' seeds. Ranks are within each task and seed (1 = lowest "
        "error, ties share). ms per proposal is the optimizer's own time per evaluation (ask "
        "and tell, no fitting).",
    ]
    if skipped:
        header += ["", "Skipped: " + "; ".join(skipped) + "."]
    text = report.markdown(summary, args.opt_names, header)
    report.write_atomic(os.path.join(args.out, "report.md"), text + "\n")
    report.write_atomic(os.path.join(args.out, "summary.json"),
                        json.dumps(report.json_safe(summary), indent=1) + "\n")
    report.write_atomic(os.path.join(args.out, "trace.jsonl"),
                        "".join(json.dumps(r) + "\n" for r in lines))
    why = report.plot(runs, summary, args.opt_names, args.out, "hpo.png")
    if why:
        print(f"hpo: no plot: {why}", file=sys.stderr)
    print(text)
    print(f"hpo: wrote {args.out}/report.md, summary.json, trace.jsonl"
          + ("" if why else ", hpo.png") + f" ({wall:.0f} s wall, {cpu:.0f} s CPU; {new} new "
          f"evaluations, {n_eval - new} cached)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"hpo: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("hpo: interrupted (the cache keeps what was evaluated)", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001  (one clear line, not a traceback)
        print(f"hpo: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
