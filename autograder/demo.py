"""`make demo`: grade the bundled example class (examples/class/) with two workers, write the reports, say where."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from autograder.batch import grade_batch
from autograder.collect import find_submissions
from autograder.course import PACKAGE_DIR, load_assignment
from autograder.reports import write_directory_reports

REPO_ROOT = PACKAGE_DIR.parent
EXAMPLE_CLASS = REPO_ROOT / "examples" / "class"
OUT_DIR = REPO_ROOT / "out" / "demo"


def run_demo(class_dir: Path = EXAMPLE_CLASS, out_dir: Path = OUT_DIR, *, jobs: int = 2) -> int:
    """The same steps as `autograder grade celoss examples/class --out out/demo --jobs 2`, then the reports."""
    assignment = load_assignment("celoss", course_root=REPO_ROOT)
    found = find_submissions([class_dir], assignment="celoss")
    print(f"grading {len(found.files)} submissions from {_shown(class_dir)} with {jobs} workers ...", flush=True)
    started = time.perf_counter()
    result = grade_batch(assignment, list(found.files), out_dir, jobs=jobs)
    skipped = sum(item.skipped for item in result.items)
    print(f"graded {len(result.items) - skipped} ({skipped} already up to date) in "
          f"{time.perf_counter() - started:.1f} s; {len(result.failures)} infrastructure failure(s)")
    for item in result.failures:
        print(f"  infrastructure failure: {item.source.name}: {item.failure.splitlines()[-1]}", file=sys.stderr)
    paths = write_directory_reports(out_dir)
    print()
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
