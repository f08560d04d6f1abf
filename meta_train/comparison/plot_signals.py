#!/usr/bin/env python3
"""Validation regret at t = 50 against CPU minutes for several training runs (the signals
comparison of meta_train/README.md). Reads metrics.jsonl files of both designs:
  acquisition runs: "validation" lines with policy "model", at/mean lists, cpu_minutes;
  direct runs: "validation" lines with mean_regret at the validation horizon (set to 50), and
  "train" lines whose cpu_seconds are summed.
Usage: plot_signals.py [--t T] [--title TEXT] OUT.png LABEL=metrics.jsonl [LABEL=metrics.jsonl ...]
  --t: the validation horizon to plot (default 50); --title: the plot's title.
Writes OUT.tsv next to OUT.png and runs gnuplot."""
import json
import subprocess
import sys


def curve(path, t):
    cpu, points = 0.0, []
    for line in open(path):
        j = json.loads(line)
        if j["type"] == "train":
            cpu = j.get("cpu_minutes", cpu + j.get("cpu_seconds", 0.0) / 60.0)
        elif j["type"] == "validation":
            if "at" in j:
                if j.get("policy") != "model" or t not in j["at"]:
                    continue
                points.append((j.get("cpu_minutes", cpu), j["mean"][j["at"].index(t)]))
            elif j.get("horizon") == t:
                points.append((cpu, j["mean_regret"]))
    return points


def main():
    args = sys.argv[1:]
    t, title = 50, "d = 2, GP prior RBF ell 0.3: validation against training CPU time"
    while args and args[0] in ("--t", "--title"):
        if args[0] == "--t":
            t = int(args[1])
        else:
            title = args[1]
        args = args[2:]
    out = args[0]
    runs = [a.split("=", 1) for a in args[1:]]
    tsv = out.rsplit(".", 1)[0] + ".tsv"
    with open(tsv, "w") as f:
        for i, (label, path) in enumerate(runs):
            f.write(f"# {label}\n")
            for cpu, regret in curve(path, t):
                f.write(f"{cpu:.4f}\t{regret:.6g}\n")
            f.write("\n\n")
    plots = ", ".join(f"'{tsv}' index {i} using 1:2 with linespoints title '{label}'"
                      for i, (label, _) in enumerate(runs))
    script = (f"set terminal png size 1000,600 noenhanced\nset output '{out}'\nset grid\n"
              "set logscale y\nset xlabel 'CPU minutes (one thread)'\n"
              f"set ylabel 'mean regret at t = {t} (128 held-out functions)'\n"
              f"set title '{title}'\n"
              f"plot {plots}\n")
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


if __name__ == "__main__":
    main()
