"""Grade one submission: seed it, start its sandbox, run the hidden graders, build the `ScoreReport`."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from autograder import __version__
from autograder.course import Assignment
from autograder.errors import UnreadableSubmission
from autograder.extract import Submission, file_digest, read_submission
from autograder.outcome import ScoreReport, TestOutcome
from autograder.runner import run_graders
from autograder.sandbox import Limits, StudentSession
from autograder.seeding import course_secret, submission_seed


@dataclass(frozen=True)
class Unreadable:
    """Stands in for a sandbox when the file could not even be read: every call fails with the reason."""

    error: UnreadableSubmission
    isolation: str = "none"

    def call(self, target: str, *args, **kwargs):
        raise self.error


def grade_submission(
    assignment: Assignment,
    submission: Submission,
    *,
    seed: int | None = None,
    limits: Limits | None = None,
    student_id: str | None = None,
) -> ScoreReport:
    """Grade a readable submission in a fresh sandbox."""
    started = time.perf_counter()
    seed = _seed_for(assignment, submission.sha256) if seed is None else seed
    with StudentSession(submission, limits=limits) as session:
        outcomes, collection_errors = _run(assignment, session, seed)
        session.wait_until_loaded()
        notes = submission.notes + tuple(
            f"cell {e.cell} raised {e.type_name}: {e.message} (the cells after it still ran)"
            for e in session.load_report.cell_errors
        )
        if session.load_failure is not None:
            notes += (session.load_failure.student_message,)
        isolation = session.isolation
    return _report(
        assignment, submission.name, submission.sha256, seed, isolation, outcomes, collection_errors,
        notes, time.perf_counter() - started, student_id, submission.path,
    )


def grade_path(
    assignment: Assignment, path: Path, *, name: str | None = None, seed: int | None = None,
    limits: Limits | None = None, student_id: str | None = None,
) -> ScoreReport:
    """Grade a file; an unreadable one still gets a full report in which every test explains why."""
    path = Path(path)
    try:
        submission = read_submission(path, name=name)
    except UnreadableSubmission as error:
        started = time.perf_counter()
        sha = file_digest(path)[0] or hashlib.sha256(str(path).encode()).hexdigest()
        seed = _seed_for(assignment, sha) if seed is None else seed
        stand_in = Unreadable(error)
        outcomes, collection_errors = _run(assignment, stand_in, seed)
        return _report(
            assignment, name or path.stem, sha, seed, stand_in.isolation, outcomes, collection_errors,
            (error.student_message,), time.perf_counter() - started, student_id, path,
        )
    return grade_submission(assignment, submission, seed=seed, limits=limits, student_id=student_id)


def _run(assignment: Assignment, session, seed: int) -> tuple[list[TestOutcome], list[str]]:
    from autograder.reference import load_reference

    return run_graders(assignment.graders_dir, student_call=session.call, reference=load_reference(assignment), seed=seed)


def _report(assignment, name, sha, seed, isolation, outcomes, collection_errors, notes, elapsed, student_id, path):
    grader_failures = tuple(
        TestOutcome(name=f"collection::{i}", part="grader", message=f"grader error: {text}", error="grader")
        for i, text in enumerate(collection_errors)
    )
    return ScoreReport(
        assignment=assignment.name,
        submission=name,
        sha256=sha,
        seed=seed,
        isolation=isolation,
        grader_version=grader_version(assignment),
        tests=tuple(outcomes) + grader_failures,
        notes=tuple(notes),
        execution_time=elapsed,
        student_id=student_id,
        source_path=str(path) if path else None,
    )


def _seed_for(assignment: Assignment, sha256: str) -> int:
    return submission_seed(course_secret(assignment.course_root), assignment.name, sha256)


def grader_version(assignment: Assignment) -> str:
    """The package version plus a digest of the graders and the source notebook: a change regrades.

    Cached on the files' sizes and modification times, so a long-lived process sees an edit at once.
    """
    files = sorted(p for p in assignment.graders_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    signature = tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in [*files, assignment.source_notebook])
    return _grader_version(signature)


@lru_cache(maxsize=8)
def _grader_version(signature: tuple[tuple[Path, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _, _ in signature:
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"
