"""Gradescope's `run_autograder` entry point: grade the one submission in ROOT/submission with the engine."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.course.config import load_settings
from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path
from autograder.errors import GraderError, SandboxUnavailable
from autograder.reports.gradescope_json import results_document, write_json_atomic
from autograder.submission.regular_file import is_plain_folder, walk
from autograder.sandbox.policy import allows, use_course_isolation

SUFFIXES = (".ipynb", ".py")


def choose_submission(submission_dir: Path, assignment: str) -> tuple[Path, list[str]]:
    """The file to grade and notes about the choice: `<assignment>.ipynb`, then `.py`, then the first candidate.

    The folder is walked without following links. A link named like a submission stays a candidate,
    so that grading refuses it ("not a regular file") and the student hears why.
    """
    candidates = sorted(
        p for p in walk(submission_dir)
        if p.suffix in SUFFIXES and not is_plain_folder(p)
        and not any(part.startswith(".") for part in p.relative_to(submission_dir).parts)
    )
    for wanted in (f"{assignment}.ipynb", f"{assignment}.py"):
        named = [p for p in candidates if p.name == wanted]
        if named:
            chosen = named[0]
            break
    else:
        if not candidates:
            return submission_dir / f"{assignment}.ipynb", [f"No .ipynb or .py file was submitted; submit {assignment}.ipynb."]
        chosen = candidates[0]
    others = [p.name for p in candidates if p != chosen]
    notes = [f"Graded {chosen.name}; also submitted but not graded: {', '.join(others)}."] if others else []
    return chosen, notes


def run(root: Path, assignment_name: str) -> Path:
    """Grade and write ROOT/results/results.json; a grader crash propagates (Gradescope then shows an error)."""
    assignment = load_assignment(assignment_name)
    chosen, notes = choose_submission(root / "submission", assignment_name)
    settings = load_settings(assignment.course_root)
    use_course_isolation(settings.isolation)
    report = grade_path(assignment, chosen, name=chosen.stem, limits=settings.limits())  # a regular file only, never a link
    if not allows(report.isolation):
        raise GraderError(f"refusing to record a score: {chosen.name} was graded with isolation "
                          f"{report.isolation!r}, less than this bundle requires (c.Autograder.isolation)")
    document = results_document(report)
    if notes:
        document["output"] = "\n".join(notes + [document["output"]])
    results = root / "results" / "results.json"
    write_json_atomic(results, document)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_GRADESCOPE_ROOT", "/autograder")))
    parser.add_argument("--assignment", required=True)
    options = parser.parse_args(argv)
    try:
        print(f"results written to {run(options.root, options.assignment)}")
    except SandboxUnavailable as error:  # no results.json: Gradescope shows the run as failed, not as a score
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
