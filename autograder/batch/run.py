"""Grade a class: skip what is already graded, grade the rest in parallel, write each result as it lands.

A submission is already graded when `DIR/<name>.json` holds a report (read back with its codec) of
the same content sha256 and grader version and no grader error; a results file of an older schema
is regraded. Workers hand back `ScoreReport`s; results are written atomically by this (trusted)
process only, so a batch killed at any moment leaves whole files, and a rerun grades exactly what
is missing. Each report is written as it lands and then dropped: the batch keeps only a `Mark` (score,
maximum, diagnoses) per submission, so its memory does not grow with the size of the reports. A batch of
one submission is graded in this process, without starting a worker.
Student errors become scores; infrastructure failures (a worker died, the grader raised) are never
written as results: they are listed in `DIR/_failures.json` and make the batch fail. That name
starts with "_", which no submission's name can (see `collect.safe_name`), so it never collides.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.submission.collect import Rejected, SubmissionFile
from autograder.course.assignment import Assignment
from autograder.course.fingerprint import grader_version
from autograder.course.seeding import course_secret, submission_seed
from autograder.errors import GraderError, UnreadableSubmission
from autograder.submission.extract import MAX_SUBMISSION_BYTES, file_digest
from autograder.reports.gradescope_json import report_from_results, results_document, write_json_atomic
from autograder.grading.outcome import ScoreReport
from autograder.submission.regular_file import read_regular
from autograder.grading.report_codec import ReportDecodeError
from autograder.batch.pool import InlinePool, LocalPool, TaskDone, usable_core_ids
from autograder.reports.lateness import read_submitted_at
from autograder.sandbox import Limits

FAILURES_FILE = "_failures.json"


@dataclass(frozen=True)
class Job:
    """One submission to grade and what it is known by; `data` carries its bytes to a remote worker."""

    source: SubmissionFile
    sha256: str
    size: int
    grader_version: str = ""
    data: bytes | None = None
    limits: Limits | None = None  # the course's (c.Autograder.*); None: the engine's defaults
    seed: int | None = None  # the seed of content `sha256`, from the course secret; None: the worker derives it


@dataclass(frozen=True)
class Mark:
    """What the batch keeps of a report once it is written: enough for the summary line and progress bar."""

    score: float
    max_score: float
    diagnoses: tuple[str, ...] = ()

    @classmethod
    def of(cls, report: ScoreReport) -> "Mark":
        return cls(report.score, report.max_score, report.diagnoses)


@dataclass(frozen=True)
class Graded:
    """What became of one submission: its mark (written, or read back when skipped), or an infrastructure failure."""

    source: SubmissionFile
    mark: Mark | None = None
    failure: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class BatchResult:
    """A whole batch: every submission's fate, the inputs refused, and whether Ctrl-C cut it short.

    The reports themselves are in the results folder (`reports.iter_results` streams them)."""

    items: tuple[Graded, ...]
    rejected: tuple[Rejected, ...] = ()
    interrupted: bool = False

    @property
    def failures(self) -> tuple[Graded, ...]:
        return tuple(item for item in self.items if not item.ok)


def usable_cores() -> int:
    """How many cores this process may run on (its CPU affinity, as a container or `taskset` sets it)."""
    return len(usable_core_ids()) or os.cpu_count() or 1


class StaleWorker(GraderError):
    """The worker graded with other graders than the batch's (a long-lived cluster worker after an edit)."""


def grade_job(assignment: Assignment, job: Job) -> ScoreReport:
    """Runs in a worker: grade one submission, from its bytes if it came with them, and return its report.

    The job's seed, derived by the parent, spares each worker the course settings (traitlets, 40 ms).
    """
    report = _grade(assignment, job, job.seed)
    if job.seed is not None and report.sha256 != job.sha256:  # changed since it was planned: its own seed
        report = _grade(assignment, job, None)
    if job.grader_version and report.grader_version != job.grader_version:
        raise StaleWorker(
            f"this worker graded with grader version {report.grader_version}, the batch expects "
            f"{job.grader_version}: restart the workers so they load the current graders"
        )
    return report


def _grade(assignment: Assignment, job: Job, seed: int | None) -> ScoreReport:
    from autograder.grading.engine import grade_path  # pytest and the graders: a batch's parent never needs them

    source = job.source
    if job.data is None:
        return grade_path(assignment, source.path, name=source.name, student_id=source.student_id,
                          limits=job.limits, seed=seed)
    with tempfile.TemporaryDirectory(prefix="autograder-job-") as folder:
        copy = Path(folder) / source.path.name
        copy.write_bytes(job.data)
        report = grade_path(assignment, copy, name=source.name, student_id=source.student_id, limits=job.limits,
                            seed=seed)
    return replace(report, source_path=str(source.path))  # where it was submitted, not the worker's copy


def grade_batch(
    assignment: Assignment,
    sources: list[SubmissionFile],
    out_dir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    rejected: tuple[Rejected, ...] = (),
    on_result: Callable[[Graded], None] | None = None,
    limits: Limits | None = None,
    on_report: Callable[[ScoreReport, Path], None] | None = None,
) -> BatchResult:
    """Grade `sources` into `out_dir` with `jobs` local workers (default: the usable cores) or a Dask `scheduler`.

    `on_result` hears of each submission's fate; `on_report` gets each report with its results file, as
    it is written (or found up to date), so class reports can be written while the batch runs.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    items: list[Graded] = []
    notify = on_result or (lambda item: None)
    written = on_report or (lambda report, path: None)
    interrupted = False
    try:
        todo = _plan(assignment, sources, out_dir, force, items, notify, limits, written)
        with _executor(assignment, jobs, scheduler, len(todo)) as pool:
            tasks = ((index, _with_data(job) if scheduler else job) for index, job in todo.items())
            for done in pool.run(tasks):
                items.append(_record(todo[done.key], done, out_dir, written))
                notify(items[-1])
    except KeyboardInterrupt:
        interrupted = True
    result = BatchResult(tuple(items), tuple(rejected), interrupted)
    write_failures(out_dir, result)
    return result


def _plan(assignment, sources, out_dir: Path, force: bool, items: list, notify, limits, written) -> dict[int, Job]:
    """Hash every source; note the ones already graded (as skipped) and return the rest as jobs."""
    version = grader_version(assignment)
    try:
        secret = course_secret(assignment.course_root)
    except (OSError, ValueError, GraderError):
        secret = None  # each worker then meets the same problem, and reports it with the submission it grades
    todo: dict[int, Job] = {}
    planned: set[str] = set()
    for index, source in enumerate(sources):
        if os.path.abspath(source.path) in planned:
            continue  # the same file given twice is graded once
        planned.add(os.path.abspath(source.path))
        sha, size = file_digest(source.path)
        results_file = results_path(out_dir, source)
        kept = None if force else up_to_date_report(results_file, source, sha, version)
        if kept is not None:
            written(kept, results_file)
            items.append(Graded(source, Mark.of(kept), skipped=True))
            notify(items[-1])
        else:
            todo[index] = Job(source, sha, size, version, limits=limits,
                              seed=submission_seed(secret, assignment.name, sha) if sha and secret else None)
    return todo


def require_isolation() -> None:
    """Raise SandboxUnavailable unless a sandbox the course allows works in this process.

    A local pool's workers, and this process for a batch of one, call it before their first task: on a
    machine where the sandbox cannot run, the batch is refused as a whole, with the reason, and nothing
    is graded. The check starts the sandbox that the process then grades with (`sandbox.policy`).
    """
    from autograder.sandbox.policy import check_isolation

    check_isolation()


def _executor(assignment: Assignment, jobs: int | None, scheduler: str | None, count: int):
    if scheduler:
        from autograder.batch.cluster import DaskPool

        return DaskPool(grade_job, assignment, address=scheduler)  # its workers decide, and fail each task
    if count <= 1:
        return InlinePool(grade_job, assignment, startup=require_isolation)
    return LocalPool(grade_job, assignment, workers=min(jobs or usable_cores(), count), startup=require_isolation)


def _with_data(job: Job) -> Job:
    """Attach the bytes for a remote worker; a file over the cap, a link or an unreadable file is sent by path
    only, so that the worker refuses it with the reason."""
    if job.size > MAX_SUBMISSION_BYTES:
        return job
    try:
        data = read_regular(job.source.path, limit=MAX_SUBMISSION_BYTES)
    except (OSError, UnreadableSubmission):
        return job
    return replace(job, data=data)


def _record(job: Job, done: TaskDone, out_dir: Path, written=lambda report, path: None) -> Graded:
    if done.failure is not None:
        return Graded(job.source, failure=done.failure)
    report: ScoreReport = done.value
    if job.source.student_id and (submitted_at := read_submitted_at(job.source.path)):
        report = replace(report, submitted_at=submitted_at)  # nbgrader's timestamp.txt, for late work
    results_file = results_path(out_dir, job.source)
    try:
        write_json_atomic(results_file, results_document(report))
    except ValueError as error:  # a value JSON cannot hold, such as a grader's nan points
        return Graded(job.source, failure=f"the results could not be written: {error}")
    written(report, results_file)
    if report.grader_errors:
        first = report.grader_errors[0]
        return Graded(job.source, Mark.of(report),
                      failure=f"grader error on {len(report.grader_errors)} test(s): {first.name}: {first.message}")
    return Graded(job.source, Mark.of(report))


def results_path(out_dir: Path, source: SubmissionFile) -> Path:
    """Where a submission's results file lives: `DIR/<name>.json`, which a rerun reads to skip it."""
    return out_dir / f"{source.name}.json"


def up_to_date_report(results_file: Path, source: SubmissionFile, sha256: str, version: str) -> ScoreReport | None:
    """The report in `results_file` if it is whole, of this schema, for this submission (name, student, content)
    and grader version, with no grader error; None means grade the submission (again)."""
    try:
        report = report_from_results(json.loads(results_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, RecursionError, ReportDecodeError):
        return None
    same = (report.submission, report.student_id, report.sha256) == (source.name, source.student_id, sha256)
    current = bool(sha256) and same and report.grader_version == version
    return report if current and not report.grader_errors else None


def write_failures(out_dir: Path, result: BatchResult) -> None:
    """`DIR/_failures.json` lists this run's infrastructure failures and refused inputs; removed when none."""
    path = out_dir / FAILURES_FILE
    entries = [
        {"name": item.source.name, "path": str(item.source.path), "kind": "infrastructure", "error": item.failure}
        for item in result.failures
    ] + [{"name": None, "path": r.source, "kind": "rejected-input", "error": r.reason} for r in result.rejected]
    if entries:
        write_json_atomic(path, {"failures": entries})
    else:
        path.unlink(missing_ok=True)
