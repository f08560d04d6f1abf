"""Statistics, the Markdown report and the gnuplot PNG of the HPO demo.

Input: the runs, each {"task", "optimizer", "label", "seed", "best": [best error after t = 1..H],
"propose_ms": [...]}. Means come with a Student-t 95% interval over seeds; ranks are taken within
each (task, seed) over the optimizers that ran on that task (ties share the mean rank).
"""

import math
import os
import shutil
import subprocess

import numpy as np


def t_interval(values):
    """(mean, half-width of the two-sided 95% Student-t interval); half-width nan for n < 2."""
    from scipy.stats import t as student_t
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return float(v.mean()), math.nan
    half = student_t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return float(v.mean()), float(half)


def _ranks(runs, horizon):
    """{(task, optimizer): [rank per seed]} at horizon, over the seeds every optimizer has."""
    from scipy.stats import rankdata
    out = {}
    for task in sorted({r["task"] for r in runs}):
        by = {}
        for r in runs:
            if r["task"] == task:
                by.setdefault(r["seed"], {})[r["optimizer"]] = r["best"][horizon - 1]
        names = sorted({o for seed in by.values() for o in seed})
        for seed, vals in by.items():
            if len(vals) != len(names):
                continue
            ranks = rankdata([vals[n] for n in names])
            for n, rank in zip(names, ranks):
                out.setdefault((task, n), []).append(float(rank))
    return out


def summarize(runs, tasks, optimizers, horizons):
    """The rows of the report: per task, per optimizer (in the order given), the statistics at
    each horizon. tasks: Task objects; optimizers: names as given on the command line."""
    rank_at = {h: _ranks(runs, h) for h in horizons}
    summary = {"horizons": list(horizons), "tasks": []}
    for task in tasks:
        rows = []
        for name in optimizers:
            mine = sorted((r for r in runs if r["task"] == task.name and r["optimizer"] == name),
                          key=lambda r: r["seed"])
            if not mine:
                continue
            row = {"optimizer": name, "label": mine[0]["label"], "seeds": len(mine),
                   "propose_ms": float(np.mean([np.mean(r["propose_ms"]) for r in mine])),
                   "at": {}}
            for h in horizons:
                best = [r["best"][h - 1] for r in mine]
                mean, half = t_interval(best)
                ranks = rank_at[h].get((task.name, name), [])
                row["at"][str(h)] = {"mean": mean, "ci95": half, "median": float(np.median(best)),
                                     "min": float(np.min(best)), "max": float(np.max(best)),
                                     "mean_rank": float(np.mean(ranks)) if ranks else math.nan}
            rows.append(row)
        best_any = min((r["best"][-1] for r in runs if r["task"] == task.name), default=math.nan)
        summary["tasks"].append({"task": task.name, "title": task.title, "dim": task.dim,
                                 "params": [p.describe() for p in task.params],
                                 "best_found": best_any, "rows": rows})
    overall = {}
    for h in horizons:
        for (task_name, name), ranks in rank_at[h].items():
            overall.setdefault(name, {}).setdefault(str(h), []).extend(ranks)
    summary["overall_rank"] = {
        name: {h: dict(zip(("mean", "ci95"), t_interval(v)), n=len(v)) for h, v in by_h.items()}
        for name, by_h in overall.items()}
    return summary


def _pm(mean, half, digits=4):
    if math.isnan(half):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def markdown(summary, optimizers, header_lines):
    """The report as Markdown: the header lines, then one table per task and the overall ranks."""
    hs = summary["horizons"]
    out = list(header_lines) + [""]
    for task in summary["tasks"]:
        out.append(f"### {task['task']}: {task['title']} (d = {task['dim']})")
        out.append("")
        out.append("Parameters: " + "; ".join(task["params"]) +
                   f". Lowest error any run found: {task['best_found']:.4f}.")
        out.append("")
        cols = [f"best CV error at {h} (mean ± 95%)" for h in hs]
        cols += [f"median at {hs[-1]}", f"mean rank at {hs[-1]}", "ms per proposal"]
        out.append("| optimizer | seeds | " + " | ".join(cols) + " |")
        out.append("|:---|---:|" + "---:|" * len(cols))
        for row in task["rows"]:
            last = row["at"][str(hs[-1])]
            cells = [_pm(row["at"][str(h)]["mean"], row["at"][str(h)]["ci95"]) for h in hs]
            cells += [f"{last['median']:.4f}", f"{last['mean_rank']:.2f}",
                      f"{row['propose_ms']:.2f}"]
            out.append(f"| {row['label']} | {row['seeds']} | " + " | ".join(cells) + " |")
        out.append("")
    ranks = summary["overall_rank"]
    if len(summary["tasks"]) > 1 and ranks:
        out.append("### Mean rank over all tasks and seeds (1 = lowest error; 95% interval)")
        out.append("")
        out.append("| optimizer | " + " | ".join(f"rank at {h}" for h in hs) + " |")
        out.append("|:---|" + "---:|" * len(hs))
        for name in optimizers:
            if name in ranks:
                labels = dict.fromkeys(row["label"] for task in summary["tasks"]
                                       for row in task["rows"] if row["optimizer"] == name)
                cells = [_pm(ranks[name][str(h)]["mean"], ranks[name][str(h)]["ci95"], 2)
                         for h in hs]
                out.append(f"| {', '.join(labels)} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def json_safe(value):
    """value with every nan replaced by None (JSON has no nan)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def write_atomic(path, text, mode="w"):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, mode) as f:
        f.write(text)
    os.replace(tmp, path)


def png_terminal():
    """pngcairo if gnuplot has it, else png, else None (no gnuplot)."""
    if shutil.which("gnuplot") is None:
        return None
    terms = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    text = terms.stdout + terms.stderr
    return "pngcairo" if "pngcairo" in text else ("png" if " png " in text else None)


def plot(runs, summary, optimizers, out_dir, png_name):
    """Writes out_dir/png_name: per task, the mean best-so-far error against evaluations with its
    95% band, one line per optimizer. Returns None, or why no plot was made."""
    terminal = png_terminal()
    if terminal is None:
        return "no gnuplot with a PNG terminal (sudo apt-get install gnuplot-nox)"
    data_dir = os.path.join(out_dir, "plot")
    os.makedirs(data_dir, exist_ok=True)
    tasks = summary["tasks"]
    script = [f"set terminal {terminal} size {520 * len(tasks)},440 font ',10'",
              f"set output '{os.path.join(out_dir, png_name)}.tmp'",
              f"set multiplot layout 1,{len(tasks)}",
              "set grid", "set key top right", "set xlabel 'evaluations'",
              "set ylabel 'best CV error so far (mean, 95% band)'"]
    for task in tasks:
        series = []
        for name in optimizers:
            mine = [r for r in runs if r["task"] == task["task"] and r["optimizer"] == name]
            if not mine:
                continue
            curves = np.array([r["best"] for r in mine])
            path = os.path.join(data_dir, f"{task['task']}_{len(series)}.dat")
            lines = []
            for t in range(curves.shape[1]):
                mean, half = t_interval(curves[:, t])
                half = 0.0 if math.isnan(half) else half
                lo, hi = max(mean - half, 0.0), min(mean + half, 1.0)  # errors lie in [0, 1]
                lines.append(f"{t + 1} {mean:.6g} {lo:.6g} {hi:.6g}")
            write_atomic(path, "\n".join(lines) + "\n")
            series.append((path, mine[0]["label"], curves.mean(axis=0)))
        # The y range shows where the optimizers differ: from just below the lowest error any
        # run found (dashed) to the highest mean after a fifth of the evaluations.
        best = task["best_found"]
        t_top = max(1, len(series[0][2]) // 5) - 1
        top = max(float(m[t_top]) for _, _, m in series)
        pad = 0.05 * max(top - best, 1e-3)
        script.append(f"set title '{task['task']} (d = {task['dim']})'")
        script.append(f"set yrange [{max(best - pad, 0.0):.6g}:{top + pad:.6g}]")
        bands = [f"'{p}' using 1:3:4 with filledcurves fs transparent solid 0.12 noborder "
                 f"lc {i + 1} notitle" for i, (p, _, _) in enumerate(series)]
        lines = [f"'{p}' using 1:2 with lines lw 2 lc {i + 1} title '{label}'"
                 for i, (p, label, _) in enumerate(series)]
        lines.append(f"{best:.6g} with lines dt 2 lc 'gray40' title 'lowest found'")
        script.append("plot " + ", ".join(bands + lines))
    script.append("unset multiplot")
    script_path = os.path.join(data_dir, "hpo.gp")
    write_atomic(script_path, "\n".join(script) + "\n")
    run = subprocess.run(["gnuplot", script_path], capture_output=True, text=True)
    png = os.path.join(out_dir, png_name)
    if run.returncode != 0 or not os.path.exists(png + ".tmp"):
        return f"gnuplot failed: {(run.stderr or run.stdout).strip()[:300]}"
    os.replace(png + ".tmp", png)
    return None
