#!/usr/bin/env bash
# ThreadSanitizer run of the peers' tests (tests/baselines/peers_test.cpp: the callback adapter's
# worker threads, destruction at every step, exceptions, 8 optimizers on parallel threads).
# Compiles the few sources involved with -fsanitize=thread, one job at a time (75 s on one core),
# and fails on any report. The libraries (NLopt, pagmo, dlib) are not instrumented;
# only one of the two threads of an optimizer runs at a time, and the hand-off is a mutex that
# ThreadSanitizer sees.
#   tests/baselines/tsan_peers.sh [OUT_DIR]      (default /tmp/rnnopt-tsan-peers)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/rnnopt-tsan-peers}
mkdir -p "$out"
flags=(-std=c++20 -O1 -g -fsanitize=thread -I. -isystem /usr/include/eigen3)
for f in baselines/callback_optimizer.cpp baselines/nlopt_optimizer.cpp \
         baselines/cmaes_optimizer.cpp baselines/dlib_lipo.cpp optimizer/optimizer.cpp \
         tests/baselines/peers_test.cpp tests/support/main.cpp; do
  g++ "${flags[@]}" -c "$f" -o "$out/$(basename "$f" .cpp).o"
done
g++ -fsanitize=thread -o "$out/peers_tsan" "$out"/*.o -lnlopt -lpagmo -ldlib -lpthread
TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$out/peers_tsan" "[peers]"
