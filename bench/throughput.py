"""Submissions per second: stock `nbgrader autograde` (nbgrader's own config) against `autograder grade --jobs 2`.

`autograder grade` runs three times right before stock nbgrader and three times right after; its time is the
mean of the six.
A grade of two notebooks first writes the bytecode caches and warms the page cache, as on an instructor's machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.common import BIN, ROOT, autograder_supports, child_env, run_timed, scratch
from bench.submissions import STOCK_CONFIG, release_template, write_submissions


def stock_course(folder: Path) -> Path:
    """A temporary nbgrader course: our source notebook and release, nbgrader's default config, a gradebook."""
    course = folder / "stock-course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / "celoss", course / "source" / "celoss")
    release = ROOT / "assignments" / "celoss"
    if release.is_dir():
        shutil.copytree(release, course / "release" / "celoss")
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
    # Fills the gradebook with the assignment, its cells and their checksums (and rewrites release/).
    run_timed([str(BIN / "nbgrader"), "generate_assignment", "celoss", "--force"], cwd=course)
    return course


def grade_command(paths: list[Path], out: Path, jobs: int) -> list[str]:
    command = [str(BIN / "autograder"), "grade", "celoss", *map(str, paths), "--out", str(out)]
    if autograder_supports("--jobs"):
        command += ["--jobs", str(jobs)]
    if autograder_supports("--force"):
        command += ["--force"]
    return command


GOAL_SPEEDUP = 60.0
RUNS_EACH_SIDE = 3


def grade_ours(course: Path, out: Path, count: int, jobs: int) -> float:
    """Seconds `autograder grade` takes for the course's submitted notebooks, checking that it wrote every result."""
    seconds, ours = run_timed(grade_command([course / "submitted"], out, jobs), cwd=ROOT, check=False)
    results = sorted(out.glob("*.json"))
    if ours.returncode not in (0, 1) or len(results) != count:
        raise RuntimeError(f"autograder grade wrote {len(results)} of {count} results:\n{ours.stderr[-3000:]}")
    return seconds


def measure(count: int = 200, jobs: int = 2) -> dict:
    folder = scratch("throughput")
    course = stock_course(folder)
    template = release_template(folder)
    written = write_submissions(template, course / "submitted", count, layout="nbgrader")
    first = sorted(course.glob("submitted/*/celoss/*.ipynb"))[:2]
    run_timed(grade_command(first, folder / "warm-up", jobs), cwd=ROOT)

    # Ours runs RUNS_EACH_SIDE times right before stock nbgrader's minutes and as many right after, and the
    # mean of them all is compared: this machine's speed drifts within minutes, and one few-second run
    # samples one moment of it (single runs of the same code have differed by 1.6x).
    before = [grade_ours(course, folder / f"autograder-out-before-{i}", count, jobs) for i in range(RUNS_EACH_SIDE)]
    stock_seconds, stock = run_timed(
        [str(BIN / "nbgrader"), "autograde", "celoss", "--create", "--force"], cwd=course, env=child_env()
    )
    graded = sorted(course.glob("autograded/*/celoss/celoss.ipynb"))
    if len(graded) != count:
        raise RuntimeError(f"stock nbgrader autograded {len(graded)} of {count} notebooks:\n{stock.stderr[-3000:]}")
    after = [grade_ours(course, folder / f"autograder-out-after-{i}", count, jobs) for i in range(RUNS_EACH_SIDE)]
    ours_seconds = sum(before + after) / len(before + after)

    command = grade_command([course / "submitted"], folder / "autograder-out", jobs)
    stock_rate, ours_rate = count / stock_seconds, count / ours_seconds
    return {
        "submissions": count,
        "variants": sorted({variant for _, variant in written}),
        "jobs": jobs if "--jobs" in command else 1,
        "autograder_command": " ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command)),
        "nbgrader_seconds": stock_seconds,
        "autograder_seconds": ours_seconds,
        "autograder_seconds_before_and_after": [before, after],
        "nbgrader_per_second": stock_rate,
        "autograder_per_second": ours_rate,
        "speedup": ours_rate / stock_rate,
        "goal_speedup": GOAL_SPEEDUP,
    }


def rows(result: dict) -> list[tuple[str, str, str]]:
    n, jobs = result["submissions"], result["jobs"]
    before, after = (", ".join(f"{seconds:.1f}" for seconds in side)
                     for side in result["autograder_seconds_before_and_after"])
    return [
        (f"stock nbgrader autograde, {n} notebooks", f"{result['nbgrader_per_second']:.2f} subm/s",
         f"{result['nbgrader_seconds']:.1f} s total"),
        (f"autograder grade --jobs {jobs}, same {n}", f"{result['autograder_per_second']:.2f} subm/s",
         f"{result['autograder_seconds']:.1f} s total: the mean of {before} s before stock "
         f"and {after} s after"),
        (f"throughput ratio (goal >= {result['goal_speedup']:g}x)", f"{result['speedup']:.1f}x",
         "PASS" if result["speedup"] >= result["goal_speedup"] else "below goal"),
    ]
