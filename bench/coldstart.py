"""Cold start: one notebook's `autograder grade` in a new process against a bare `python -c "import numpy, pytest"`.

Rounds alternate the two commands, so load on the machine hits both alike; the ratio of medians is the
figure (goal: at most 2.5x). One more run under `python -X importtime` records what the grading process
imported: its own import time, and any heavy package (plotting, Dask, nbgrader, Jupyter) that should not be there.
"""

from __future__ import annotations

import json
import re
import sys

from bench.common import BIN, ROOT, child_env, median, run_timed, scratch
from bench.submissions import CORRECT_SHIFT, notebook_with, release_template

HEAVY = ("matplotlib", "dask", "distributed", "nbgrader", "jupyter_core", "jupyter_client", "nbformat", "nbclient",
         "IPython", "rich")
IMPORT_LINE = re.compile(r"^import time:\s+(?P<self>\d+) \|\s+(?P<total>\d+) \|(?P<indent> *)(?P<name>[\w.]+)$", re.M)
GOAL_RATIO = 2.5


def measure(rounds: int = 7) -> dict:
    folder = scratch("coldstart")
    path = folder / "one.ipynb"
    path.write_text(json.dumps(notebook_with(release_template(folder), CORRECT_SHIFT.replace("{tag}", "cold"))))
    env = child_env()
    bare_command = [sys.executable, "-c", "import numpy, pytest"]
    grade_command = [str(BIN / "autograder"), "grade", "celoss", str(path), "--out", str(folder / "out"),
                     "--force", "--no-progress"]
    run_timed(grade_command, cwd=ROOT, env=env)  # warm the page cache and bytecode caches once
    bare, grade = [], []
    for _ in range(rounds):
        bare.append(run_timed(bare_command, cwd=ROOT, env=env)[0])
        grade.append(run_timed(grade_command, cwd=ROOT, env=env)[0])
    _, traced = run_timed([sys.executable, "-X", "importtime", *grade_command], cwd=ROOT, env=env)
    lines = list(IMPORT_LINE.finditer(traced.stderr))
    top_level_seconds = sum(int(m["total"]) for m in lines if m["indent"] == " ") / 1e6  # level 0: one space
    packages = {m["name"].split(".")[0] for m in lines}
    return {
        "rounds": rounds,
        "bare_python_seconds": median(bare),
        "grade_seconds": median(grade),
        "ratio": median(grade) / median(bare),
        "goal_ratio": GOAL_RATIO,
        "grading_process_import_seconds": top_level_seconds,
        "heavy_packages_imported": sorted(packages & set(HEAVY)),
    }


def rows(result: dict) -> list[tuple[str, str, str]]:
    heavy = ", ".join(result["heavy_packages_imported"]) or "none"
    return [
        ("cold start: `autograder grade` of one notebook vs bare python",
         f"{result['ratio']:.2f}x", f"{result['grade_seconds']:.2f} s vs {result['bare_python_seconds']:.2f} s "
         f"(`import numpy, pytest`); " + ("PASS" if result["ratio"] <= result["goal_ratio"] else
                                         f"above the {result['goal_ratio']:g}x goal")),
        ("  imports in the grading process", f"{result['grading_process_import_seconds']:.2f} s",
         f"heavy packages imported: {heavy}"),
    ]
