#!/bin/bash
# The paper's grid at d = 2 (issue 16, item 2): LSTM and DNC, each trained with the summed,
# observed-improvement and EI losses, same budget (3000 iterations, batch 64, horizon 10 -> 100),
# one after the other on one core. Rerunning it resumes the unfinished run and skips finished ones.
#   bash meta_train/configs/grid-d2.sh [path/to/rnnopt-meta-train]
set -euo pipefail
bin=${1:-build/meta_train/rnnopt-meta-train}
for run in lstm-ei dnc-ei lstm-oi dnc-oi lstm-sum dnc-sum; do
  out=models/wip/grid-$run-d2
  if [ -f "$out/done" ]; then continue; fi
  if [ -f "$out/checkpoint.pt" ]; then
    "$bin" --out "$out" --resume --threads 1
  else
    "$bin" --config meta_train/configs/grid-$run-d2.json --out "$out" --threads 1
  fi
  touch "$out/done"
done
