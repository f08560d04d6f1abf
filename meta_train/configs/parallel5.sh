#!/bin/bash
# Parallel models of the paper's design (issue 16, item 3): DNC x OI, 5 workers (the flag feature,
# random completion order: each query runs U(0.8, 1.2)), d = 2 then d = 5, the grid's budget
# (3000 iterations, batch 64, horizon 10 -> 100), one after the other on one core. Rerunning it
# resumes the unfinished run and skips finished ones.
#   bash meta_train/configs/parallel5.sh [path/to/rnnopt-meta-train]
set -euo pipefail
bin=${1:-build/meta_train/rnnopt-meta-train}
for d in 2 5; do
  out=models/wip/dnc-oi-parallel5-d$d
  if [ -f "$out/done" ]; then continue; fi
  if [ -f "$out/checkpoint.pt" ]; then
    "$bin" --out "$out" --resume --threads 1
  else
    "$bin" --config meta_train/configs/dnc-oi-parallel5-d$d.json --out "$out" --threads 1
  fi
  touch "$out/done"
done
