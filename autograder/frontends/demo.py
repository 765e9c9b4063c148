"""`make demo`: grade the bundled example classes of both assignments with two workers, write the reports, say where."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from autograder.batch.run import grade_batch
from autograder.submission.collect import find_submissions
from autograder.course.assignment import PACKAGE_DIR, load_assignment
from autograder.reports.class_reports import ClassReportWriter

REPO_ROOT = PACKAGE_DIR.parent
CLASSES = (
    ("celoss", REPO_ROOT / "examples" / "class"),  # examples/make_class.py
    ("layers", REPO_ROOT / "examples" / "layers" / "class"),  # examples/layers/make_class.py
)
OUT_DIR = REPO_ROOT / "out" / "demo"


def run_demo(classes=CLASSES, out_dir: Path = OUT_DIR, *, jobs: int = 2) -> int:
    """Grade each (assignment, class folder) into out_dir/<assignment>/; exit 1 if any had an infrastructure failure."""
    status = 0
    for number, (name, class_dir) in enumerate(classes):
        if number:
            print()
        status |= grade_class(name, class_dir, Path(out_dir) / name, jobs=jobs)
    return status


def grade_class(name: str, class_dir: Path, out_dir: Path, *, jobs: int) -> int:
    """The same steps as `autograder grade NAME CLASS_DIR --out OUT_DIR --jobs 2`, then the reports."""
    assignment = load_assignment(name, course_root=REPO_ROOT)
    found = find_submissions([class_dir], assignment=name)
    print(f"{name}: grading {len(found.files)} submissions from {_shown(class_dir)} with {jobs} workers ...", flush=True)
    started = time.perf_counter()
    reports = ClassReportWriter(out_dir)
    result = grade_batch(assignment, list(found.files), out_dir, jobs=jobs, on_report=reports.add)
    skipped = sum(item.skipped for item in result.items)
    print(f"graded {len(result.items) - skipped} ({skipped} already up to date) in "
          f"{time.perf_counter() - started:.1f} s; {len(result.failures)} infrastructure failure(s)")
    for item in result.failures:
        print(f"  infrastructure failure: {item.source.name}: {item.failure.splitlines()[-1]}", file=sys.stderr)
    paths = reports.finish()
    print(f"class report:  {paths.report_html.resolve().as_uri()}")
    print(f"grades:        {_shown(paths.grades_csv)}")
    print(f"feedback:      {_shown(paths.feedback_dir)}/ ({len(paths.feedback_files)} files)")
    print(f"results JSON:  {_shown(out_dir)}/<name>.json (Gradescope schema)")
    print(f"what each student wrote: {_shown(class_dir / 'README.md')}")
    return 1 if result.failures or result.interrupted else 0


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(run_demo())
