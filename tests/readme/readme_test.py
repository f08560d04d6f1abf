#!/usr/bin/python3
"""README.md stays true to the tree (run by ctest as `readme: ...`; also runnable by hand):

    tests/readme/readme_test.py [REPO_ROOT]

1. The verdict paragraph between the markers equals what bench/results/make_verdict.py generates
   from the committed reports.
2. Every fenced code block announced by `<!-- include: PATH -->` equals the file PATH byte for
   byte (the embedding example is built and run from those files by check_install.sh).
3. Every test named in the table of bad inputs in tests/README.md exists: `tests/FILE`: "NAME"
   with "NAME" quoted in FILE (a Catch2 test case), or, for a Python script, quoted in
   tests/CMakeLists.txt (its ctest name).
4. The checks fail on a README that has drifted (a changed number, a changed code line, a test
   name that does not exist).
Prints one line per failure and exits 1 on any.
"""

import importlib.util
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else __file__).resolve()
if ROOT.is_file():
    ROOT = ROOT.parents[2]
INCLUDE = re.compile(r"<!-- include: (\S+) -->\n```[a-z]*\n(.*?)```", re.S)


def load_verdict_module():
    spec = importlib.util.spec_from_file_location(
        "make_verdict", ROOT / "bench" / "results" / "make_verdict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verdict_problems(readme, module, paragraph):
    try:
        expected = module.replace_between(readme, paragraph)
    except module.ReportError as e:
        return [f"README.md: {e}"]
    if readme != expected:
        return ["README.md: the verdict differs from the reports; run "
                "/usr/bin/python3 bench/results/make_verdict.py --write README.md"]
    return []


def include_problems(readme):
    problems = []
    blocks = INCLUDE.findall(readme)
    if not blocks:
        problems.append("README.md: no `<!-- include: PATH -->` code block")
    for path, text in blocks:
        file = ROOT / path
        if not file.is_file():
            problems.append(f"README.md includes {path}, which does not exist")
        elif file.read_text() != text:
            problems.append(f"README.md: the block after `<!-- include: {path} -->` differs "
                            f"from {path}; copy the file into the README")
    return problems


TEST_REF = re.compile(r'`(tests/[^`]+)`: "([^"]+)"')


def bad_input_problems(table):
    """Problems with the table of bad inputs (tests/README.md): each row must name a test."""
    problems = []
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`tests/" in line]
    if len(rows) < 12:
        problems.append(f"tests/README.md: {len(rows)} rows naming tests in the table of bad "
                        "inputs, expected at least 12")
    cmake = (ROOT / "tests" / "CMakeLists.txt").read_text()
    for row in rows:
        refs = TEST_REF.findall(row.rsplit(" | ", 1)[-1])
        if not refs:
            problems.append(f"tests/README.md: a row names no test: {row[:60]}...")
        for path, name in refs:
            file = ROOT / path
            if not file.is_file():
                problems.append(f"tests/README.md names {path}, which does not exist")
                continue
            where = cmake if path.endswith(".py") else file.read_text()
            if f'"{name}"' not in where:
                problems.append(f'tests/README.md names the test "{name}" in {path}, which '
                                "has no such test")
    return problems


def main():
    readme = (ROOT / "README.md").read_text()
    module = load_verdict_module()
    paragraph = module.verdict([module.read_report(name) for name in module.REPORTS])
    problems = verdict_problems(readme, module, paragraph) + include_problems(readme)
    table = (ROOT / "tests" / "README.md").read_text()
    problems += bad_input_problems(table)

    # The checks can fail: a README with one number changed in the verdict, and one with a line
    # changed in an included block, must each be reported.
    begin = readme.index(module.BEGIN)
    digit = re.compile(r"\d").search(readme, begin + len(module.BEGIN))
    drifted = readme[:digit.start()] + str((int(digit.group()) + 1) % 10) + readme[digit.end():]
    if not verdict_problems(drifted, module, paragraph):
        problems.append("self-check: a changed number in the verdict went unnoticed")
    match = INCLUDE.search(readme)
    if match:
        at = match.start(2)
        drifted = readme[:at] + "// drift\n" + readme[at:]
        if not include_problems(drifted):
            problems.append("self-check: a changed included block went unnoticed")

    ref = TEST_REF.search(table)
    drifted = table[:ref.end(2)] + " (renamed)" + table[ref.end(2):]
    if not bad_input_problems(drifted):
        problems.append("self-check: a test name in tests/README.md that does not exist went "
                        "unnoticed")

    for p in problems:
        print(p, file=sys.stderr)
    print(f"readme_test.py: {'FAILED' if problems else 'OK'} "
          f"(verdict from {len(module.REPORTS)} reports, {len(INCLUDE.findall(readme))} included files)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
