#!/usr/bin/python3
"""README.md stays true to the tree (run by ctest as `readme: ...`; also runnable by hand):

    tests/readme/readme_test.py [REPO_ROOT]

1. The verdict paragraph between the markers equals what bench/results/make_verdict.py generates
   from the committed reports.
2. Every fenced code block announced by `<!-- include: PATH -->` equals the file PATH byte for
   byte (the embedding example is built and run from those files by check_install.sh).
3. Both checks fail on a README that has drifted (a changed number, a changed code line).
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


def main():
    readme = (ROOT / "README.md").read_text()
    module = load_verdict_module()
    paragraph = module.verdict([module.read_report(name) for name in module.REPORTS])
    problems = verdict_problems(readme, module, paragraph) + include_problems(readme)

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

    for p in problems:
        print(p, file=sys.stderr)
    print(f"readme_test.py: {'FAILED' if problems else 'OK'} "
          f"(verdict from {len(module.REPORTS)} reports, {len(INCLUDE.findall(readme))} included files)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
