#!/usr/bin/env python3
"""The command-line tools' contract (core/tool.h), checked on the built binaries:

  --version     exit 0, "rnnopt X.Y.Z (git COMMIT)" on stdout;
  a bad flag    exit 2, exactly one line on stderr naming the tool and the flag;
  a usage error found after parsing (a bad flag value): exit 2, one line;
  a runtime failure (a file that cannot be read or written): exit 1, one line.

Usage: tools_test.py SCRATCH_DIR NAME=PATH ...   (the tools that were built; Python's stdlib only)
"""
import os
import re
import shutil
import subprocess
import sys

VERSION = re.compile(r"^rnnopt-[a-z-]+: rnnopt \d+\.\d+\.\d+ \(git [0-9a-f]{7,40}|unknown\)$")


MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
DIRECT_MODEL = os.path.join(MODELS, "lstm-ei-d2.safetensors")


def cases(scratch):
    """Per tool: (arguments, expected exit code, text the one stderr line must contain)."""
    missing = os.path.join(scratch, "no-such-folder")
    a_file = os.path.join(scratch, "a-file")
    with open(a_file, "w") as f:
        f.write("not a folder\n")
    empty_run = os.path.join(scratch, "empty-run")
    os.makedirs(empty_run, exist_ok=True)
    # Training configs: defaults everywhere, then the same with a misspelt key.
    good_config = os.path.join(scratch, "good-config.json")
    with open(good_config, "w") as f:
        f.write('{"name": "tools-test"}\n')
    bad_config = os.path.join(scratch, "bad-config.json")
    with open(bad_config, "w") as f:
        f.write('{"name": "tools-test", "stpes": 3}\n')
    for folder in ("m3", "m4"):
        shutil.rmtree(os.path.join(scratch, folder), ignore_errors=True)
    return {
        "rnnopt-bench": [
            (["--horizons", "abc"], 2, "--horizons"),
            (["--optimizers", "no-such-optimizer", "--out", scratch + "/b1"], 2, "no-such-optimizer"),
            (["--optimizers", "random", "--functions", "gp:d=2", "--instances", "1",
              "--horizons", "2", "--quiet", "--no-plots", "--out", a_file], 2, "not a folder"),
            (["--optimizers", "random", "--functions", "gp:d=2", "--instances", "1",
              "--horizons", "2", "--quiet", "--no-plots", "--out", "/proc/rnnopt-no/x"], 1,
             "/proc/rnnopt-no/x"),
        ],
        "rnnopt-serve": [
            (["--optimizer", "random", "--box", "[[1,0]]"], 2, "--box"),
            (["--optimizer", "rnn:" + missing + "/m.safetensors", "--box", "[[0,1]]"], 1,
             "m.safetensors"),
        ],
        "rnnopt-demo": [
            (["bandit", "--bandits", "1"], 2, "--bandits"),
            (["design", "--budget", "x"], 2, "--budget"),
        ],
        "rnnopt-random-model": [
            (["--out", missing + "/x.safetensors"], 1, "no-such-folder"),
            (["--out", scratch + "/r.safetensors", "--arch", "transformer"], 2, "transformer"),
        ],
        "rnnopt-set-values": [
            ([missing + "/m.safetensors", scratch + "/s.safetensors", "--values", "power"], 2,
             "m.safetensors"),
            ([DIRECT_MODEL, scratch + "/s.safetensors", "--values", "log"], 2, "log"),
            ([DIRECT_MODEL, scratch + "/s.safetensors", "--values", "power"], 2,
             "not an acquisition-head model"),
            ([os.path.join(MODELS, "acq-std-d2.safetensors"), scratch + "/s.safetensors"], 2,
             "nothing to change"),
            ([os.path.join(MODELS, "acq-std-d2.safetensors"), scratch + "/s.safetensors",
              "--local-scales", "0.2,-1"], 1, "local_scales"),
            ([os.path.join(MODELS, "acq-std-d2.safetensors"), scratch + "/s.safetensors",
              "--jitter", "0"], 2, "--jitter"),
            ([os.path.join(MODELS, "acq-std-d2.safetensors"), scratch + "/s.safetensors",
              "--jitter", "2"], 2, "--jitter"),
        ],
        "rnnopt-functions-demo": [],
        "rnnopt-measure-gp": [(["everything"], 2, "everything")],
        "rnnopt-dlib-check": [(["--function", "bogus"], 2, "bogus")],
        "rnnopt-meta-train": [
            (["--out", scratch + "/m1"], 2, "--config"),
            (["--resume", "--out", empty_run], 2, "--resume"),
            (["--config", missing + "/c.json", "--out", scratch + "/m2"], 1, "c.json"),
            # A misspelt key, in the file or in --set, is a bad command line; nothing is written.
            (["--config", bad_config, "--out", scratch + "/m3"], 2,
             "config_from_json(): unknown field 'stpes'"),
            (["--config", good_config, "--set", "hidden_sise=8", "--out", scratch + "/m4"], 2,
             "config_from_json(): unknown field 'hidden_sise'"),
        ],
        "rnnopt-export": [(["--out", scratch + "/e.safetensors", missing], 1, "no-such-folder")],
    }


def run(path, args):
    p = subprocess.run([path] + args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def main():
    scratch = sys.argv[1]
    os.makedirs(scratch, exist_ok=True)
    tools = dict(arg.split("=", 1) for arg in sys.argv[2:])
    table = cases(scratch)
    failures = []
    checked = 0

    def expect(ok, what):
        nonlocal checked
        checked += 1
        if not ok:
            failures.append(what)

    for name, path in sorted(tools.items()):
        if name not in table:
            failures.append(f"{name}: no cases in tests/tools/tools_test.py")
            continue
        code, out, err = run(path, ["--version"])
        expect(code == 0 and VERSION.match(out.strip()) and err == "",
               f"{name} --version: exit {code}, stdout {out!r}, stderr {err!r}")
        code, out, err = run(path, ["--help"])
        expect(code == 0 and name in out and err == "", f"{name} --help: exit {code}, {err!r}")
        # (A tool with a required flag may name that one first.)
        rows = [(["--no-such-flag"], 2, "")] + table[name]
        for args, want, needle in rows:
            code, out, err = run(path, args)
            lines = err.splitlines()
            # A tool may report progress on stderr before it fails; the failure is the last line,
            # and it is alone (the message folded onto one line).
            last = lines[-1] if lines else ""
            errors = [l for l in lines if ": error:" in l]
            expect(code == want and len(errors) == 1 and last == errors[0]
                   and last.startswith(name + ": error: ") and needle in last,
                   f"{name} {' '.join(args)}: exit {code} (want {want}), stderr {err!r}")
    if "rnnopt-set-values" in tools:  # and it does its job: a loadable copy with power values
        copy = os.path.join(scratch, "acq-power.safetensors")
        code, out, err = run(tools["rnnopt-set-values"],
                             [os.path.join(MODELS, "acq-std-d2.safetensors"), copy, "--values",
                              "power"])
        expect(code == 0 and "values power" in out and os.path.exists(copy),
               f"rnnopt-set-values on acq-std-d2: exit {code}, {out!r}, {err!r}")
        fine = os.path.join(scratch, "acq-fine.safetensors")
        code, out, err = run(tools["rnnopt-set-values"],
                             [os.path.join(MODELS, "acq-std-d2.safetensors"), fine,
                              "--local-scales", "0.01,0.0001", "--local-candidates", "96"])
        expect(code == 0 and "values standard, 96 local candidates" in out
               and os.path.exists(fine),
               f"rnnopt-set-values --local-scales on acq-std-d2: exit {code}, {out!r}, {err!r}")
        sharp = os.path.join(scratch, "acq-sharp.safetensors")
        code, out, err = run(tools["rnnopt-set-values"],
                             [os.path.join(MODELS, "acq-std-d2.safetensors"), sharp,
                              "--jitter", "1e-12"])
        expect(code == 0 and "jitter 1e-12" in out and os.path.exists(sharp),
               f"rnnopt-set-values --jitter on acq-std-d2: exit {code}, {out!r}, {err!r}")
    if "rnnopt-meta-train" in tools:
        for folder in ("m3", "m4"):  # the rejected configurations wrote nothing
            expect(not os.path.exists(os.path.join(scratch, folder)),
                   f"rnnopt-meta-train wrote {folder} for a configuration it rejected")
    for f in failures:
        print("FAILED:", f)
    print(f"{checked} checks on {len(tools)} tools, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
