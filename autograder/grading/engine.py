"""Grade one submission: seed it, start its sandbox, run the hidden graders, build the `ScoreReport`."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.course.assignment import Assignment
from autograder.errors import UnreadableSubmission
from autograder.submission.extract import Submission, file_digest, read_submission
from autograder.course.fingerprint import assignment_fingerprint, grader_version
from autograder.grading.outcome import ScoreReport
from autograder.grading.runner import GraderRun, run_graders
from autograder.sandbox import Limits, StudentSession
from autograder.course.seeding import course_secret, submission_seed


@dataclass(frozen=True)
class Unreadable:
    """Stands in for a sandbox when the file could not even be read: every call fails with the reason."""

    error: UnreadableSubmission
    isolation: str = "none"

    def call(self, target: str, *args, **kwargs):
        raise self.error

    def call_many(self, target: str, calls) -> list:
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
    fingerprint = assignment_fingerprint(assignment)
    with StudentSession(submission, limits=limits) as session:
        run = _run(assignment, session, seed, fingerprint)
        session.wait_until_loaded()
        notes = submission.notes + tuple(
            f"cell {e.cell} raised {e.type_name}: {e.message} (the cells after it still ran)"
            for e in session.load_report.cell_errors
        )
        if session.load_failure is not None:
            notes += (session.load_failure.student_message,)
        isolation = session.isolation
    return ScoreReport(
        assignment=assignment.name,
        submission=submission.name,
        student_id=student_id,
        sha256=submission.sha256,
        seed=seed,
        isolation=isolation,
        grader_version=grader_version(assignment, fingerprint),
        tests=run.tests,
        grader_failures=run.grader_failures,
        notes=notes,
        execution_time=time.perf_counter() - started,
        source_path=_shown_path(submission.path),
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
        fingerprint = assignment_fingerprint(assignment)
        run = _run(assignment, stand_in, seed, fingerprint)
        return ScoreReport(
            assignment=assignment.name,
            submission=name or path.stem,
            student_id=student_id,
            sha256=sha,
            seed=seed,
            isolation=stand_in.isolation,
            grader_version=grader_version(assignment, fingerprint),
            tests=run.tests,
            grader_failures=run.grader_failures,
            notes=(error.student_message,),
            execution_time=time.perf_counter() - started,
            source_path=_shown_path(path),
        )
    return grade_submission(assignment, submission, seed=seed, limits=limits, student_id=student_id)


def _run(assignment: Assignment, session, seed: int, fingerprint: str) -> GraderRun:
    from autograder.grading.reference import load_reference

    return run_graders(assignment.graders_dir, student_call=session.call, student_call_many=session.call_many,
                       reference=load_reference(assignment, fingerprint=fingerprint), seed=seed, fingerprint=fingerprint)


def _shown_path(path: Path | None) -> str | None:
    return str(path) if path else None


def _seed_for(assignment: Assignment, sha256: str) -> int:
    return submission_seed(course_secret(assignment.course_root), assignment.name, sha256)
