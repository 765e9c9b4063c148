"""The `autograder` command. Each verb hands its options to a keyword-only `*_main` function.

Exit codes:
    0    every submission was graded (whatever the scores; a student's broken file still gets a report)
    1    an infrastructure failure: the grader, not the student, failed on at least one submission
         (a worker process died, a grader raised); listed on stderr and in OUT/_failures.json; or no
         sandbox the course allows works here, so nothing was graded (the reason is on stderr)
    2    a usage error: unknown assignment, no submissions found, bad option, unreadable course settings
    130  interrupted with Ctrl-C (or SIGTERM while grading a single file in-process); the results written
         so far are kept, and a rerun resumes
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from autograder.submission.collect import SUBMISSION_SUFFIXES, find_submissions
from autograder.course.config import CourseSettings, load_settings
from autograder.course.assignment import Assignment, find_course_root, load_assignment
from autograder.errors import GraderError, SandboxUnavailable
from autograder.quick_exit import exit_after_handlers

if TYPE_CHECKING:
    from autograder.batch.run import BatchResult
    from autograder.reports.class_reports import ClassReportWriter


@click.group()
@click.version_option(package_name="autograder")
def main() -> None:
    """Trusted, sandboxed grading of numerical assignments."""


def run() -> None:
    """The `autograder` console script: `main`, then an exit that skips the interpreter's teardown
    (`quick_exit`: 50 to 150 ms of a one-file grade's 0.5 s). The exit status is `main`'s."""
    try:
        main()  # click's standalone mode: it always ends in SystemExit
        status = 0
    except SystemExit as ending:
        status = _exit_status(ending.code)
    exit_after_handlers(status)


def _exit_status(code: object) -> int:
    """What `sys.exit(code)` would have exited with (a message is printed, with status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


@main.command()
@click.argument("assignment")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the results files.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once on this machine [default: c.Autograder.jobs, else the usable cores].")
@click.option("--force", is_flag=True, help="Regrade submissions that already have up-to-date results.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Grade on this Dask distributed cluster instead of local processes.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar (only ever on a terminal).")
@click.option("--isolation", type=click.Choice(["sandbox", "bubblewrap", "uid", "process"]), default=None,
              help="The least isolation to grade with [default: $AUTOGRADER_ISOLATION, else sandbox]. "
                   "'process' opts in to grading without a sandbox when none works (recorded in every report).")
def grade(assignment: str, paths: tuple[Path, ...], out_dir: Path, jobs: int | None, force: bool,
          scheduler: str | None, progress: bool, isolation: str | None) -> None:
    """Grade every submission in PATHS and write OUT/<name>.json (Gradescope schema) for each.

    PATHS are .ipynb/.py files, folders, zip archives, or nbgrader's submitted/ folder (results are
    then named by student id). A rerun skips submissions already graded with the same content and
    grader version, so an interrupted batch resumes where it stopped.
    """
    sys.exit(grade_main(assignment=assignment, paths=list(paths), out_dir=out_dir, jobs=jobs, force=force,
                        scheduler=scheduler, progress=progress, isolation=isolation))


def grade_main(*, assignment: str, paths: list[Path], out_dir: Path, jobs: int | None = None,
               force: bool = False, scheduler: str | None = None, progress: bool = False,
               isolation: str | None = None) -> int:
    from autograder.batch.progress import BatchProgress

    try:
        spec = load_assignment(assignment)
        settings = load_settings(spec.course_root)
        settings.due_date(spec.name)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    # One file is graded in this process: its trial sandbox starts first and runs while the graders' heavy
    # imports (numpy, pytest) load. Each worker of a batch proves the sandbox before its first task, and a
    # refusal there ends the batch (batch.run.require_isolation); a cluster's workers decide for themselves
    # (their refusals fail each task).
    in_process = not scheduler and len(paths) == 1 and paths[0].suffix in SUBMISSION_SUFFIXES and paths[0].is_file()
    probe = _probe_isolation(isolation, settings.isolation, check=in_process)
    from autograder.batch.run import grade_batch, usable_cores

    if in_process:
        import autograder.grading.engine  # noqa: F401 - pytest loads while the trial runs

    try:
        probe.result()
    except SandboxUnavailable as error:
        click.echo(f"error: {error}", err=True)
        return 1
    if scheduler and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        click.echo(f"error: --scheduler wants an address like tcp://HOST:PORT, not {scheduler!r}", err=True)
        return 2
    with tempfile.TemporaryDirectory(prefix="autograder-inputs-") as scratch:
        found = find_submissions(paths, assignment=assignment, scratch=Path(scratch))
        for refused in found.rejected:
            click.echo(f"refused {refused.source}: {refused.reason}", err=True)
        if not found.files:
            click.echo("error: no .ipynb or .py submissions found in the given paths", err=True)
            return 2
        reports = _class_report_writer(out_dir, settings, spec)
        try:
            with BatchProgress(len(found.files), enabled=progress) as bar:
                result = grade_batch(spec, list(found.files), out_dir, jobs=jobs or settings.jobs or usable_cores(),
                                     force=force, scheduler=scheduler, rejected=found.rejected,
                                     on_result=bar.advance, limits=settings.limits(), on_report=reports.add)
        except ConnectionError as error:
            click.echo(f"error: {error}. Check the address, or grade locally without --scheduler.", err=True)
            return 1
        except SandboxUnavailable as error:
            click.echo(f"error: {error}", err=True)
            return 1
    print_summary(result, out_dir)
    _write_class_reports(reports)
    if result.interrupted:
        return 130
    return 1 if result.failures else 0


def _probe_isolation(isolation: str | None, course_isolation: str, *, check: bool):
    """Export the isolation level (--isolation, else $AUTOGRADER_ISOLATION, else c.Autograder.isolation; the
    local workers inherit it), then, if `check`, a future of `check_isolation()`: the tier that would run, or
    SandboxUnavailable when none the course allows works. Both happen on a thread, so the sandbox package's
    imports and the trial sandbox overlap the caller's.

    The thread then stays (asleep) until the process ends: the pre-forked sandbox it started dies with
    the thread that started it (bubblewrap's --die-with-parent follows a thread, not a process), and
    this process grades with that sandbox.
    """
    import threading
    from concurrent.futures import Future

    future: Future = Future()
    future.set_running_or_notify_cancel()

    def probe() -> None:
        from autograder.sandbox.policy import ISOLATION_ENV, check_isolation

        try:
            os.environ[ISOLATION_ENV] = isolation or os.environ.get(ISOLATION_ENV) or course_isolation
            future.set_result(check_isolation() if check else None)
        except BaseException as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        threading.Event().wait()

    threading.Thread(target=probe, name="isolation-probe", daemon=True).start()
    return future


def print_summary(result: BatchResult, out_dir: Path) -> None:
    """One line per graded submission, then the infrastructure failures (on stderr) and the totals."""
    graded = [item for item in result.items if not item.skipped]
    width = max((len(item.source.name) for item in graded), default=0)
    for item in graded:
        if item.mark is None:
            click.echo(f"{item.source.name:<{width}}  GRADER FAILURE (see stderr)")
            continue
        bugs = " ".join(f"bug:{bug}" for bug in item.mark.diagnoses)
        click.echo(f"{item.source.name:<{width}}  {round(item.mark.score, 6):5.1f} / {item.mark.max_score:g}  {bugs}")
    for item in result.failures:
        click.echo(f"INFRASTRUCTURE FAILURE {item.source.name} ({item.source.path}):\n{item.failure}", err=True)
    skipped = len(result.items) - len(graded)
    click.echo(f"{len(graded)} graded, {skipped} already up to date, {len(result.failures)} infrastructure "
               f"failure(s); results in {out_dir}/")
    if result.failures or result.rejected:
        click.echo(f"failures listed in {out_dir}/_failures.json", err=True)
    if result.interrupted:
        click.echo("interrupted: rerun the same command to grade the rest", err=True)


def _class_report_writer(out_dir: Path, settings: CourseSettings, spec: Assignment) -> "ClassReportWriter":
    """The class reports, fed each report as the batch writes it (its feedback file is written at once)."""
    from autograder.reports.class_reports import ClassReportWriter

    return ClassReportWriter(out_dir, settings.report_context(spec.name))


def _write_class_reports(reports: "ClassReportWriter") -> None:
    """Always from every result in DIR, so regrading one student never shrinks the class reports."""
    paths = reports.finish()
    for stale in paths.stale:
        click.echo(f"skipped {stale.path}: {stale.reason}", err=True)
    if paths.feedback_files:
        click.echo(f"class report: {paths.report_html}\ngrades: {paths.grades_csv}\nfeedback: {paths.feedback_dir}/")


@main.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report(out_dir: Path) -> None:
    """Rebuild grades.csv, report.html and feedback/ from the results files in DIR (e.g. after a resume)."""
    sys.exit(report_main(out_dir=out_dir))


def report_main(*, out_dir: Path) -> int:
    from autograder.reports.class_reports import ScoreReport, iter_results, write_directory_reports

    first = next((item for item in iter_results(out_dir) if isinstance(item, ScoreReport)), None)
    try:
        context = _context_for([first] if first else [])
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    paths = write_directory_reports(out_dir, context)
    for stale in paths.stale:
        click.echo(f"skipped {stale.path}: {stale.reason}", err=True)
    if not paths.feedback_files:
        click.echo(f"error: no results files (*.json in the Gradescope schema) in {out_dir}/; "
                   "run `autograder grade` first", err=True)
        return 2
    click.echo(f"{len(paths.feedback_files)} students: {paths.report_html}, {paths.grades_csv}, {paths.feedback_dir}/")
    return 0


def _context_for(reports: list):
    """The course's report context for results in DIR, when run inside the course; None elsewhere."""
    try:
        root = find_course_root()
    except GraderError:
        return None
    assignment = reports[0].assignment if reports else ""
    return load_settings(root).report_context(assignment)


@main.command()
@click.argument("assignment")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/gradescope"),
              show_default=True, help="Folder for autograder.zip.")
def gradescope(assignment: str, out_dir: Path) -> None:
    """Build OUT/autograder.zip for Gradescope (setup.sh, run_autograder, graders, reference, package)."""
    sys.exit(gradescope_main(assignment=assignment, out_dir=out_dir))


def gradescope_main(*, assignment: str, out_dir: Path) -> int:
    from autograder.frontends.gradescope_zip import build_gradescope_zip

    try:
        spec = load_assignment(assignment)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    try:
        built = build_gradescope_zip(spec, out_dir)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    click.echo(f"wrote {built.path} ({len(built.members)} files; seed secret derived from the course's, "
               f"fingerprint {built.secret_fingerprint})")
    return 0


@main.command("gradescope-reproduce")
@click.argument("assignment")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def gradescope_reproduce(assignment: str, path: Path) -> None:
    """Grade PATH locally as the Gradescope bundle grades it (same derived secret, so the same seed and score)."""
    sys.exit(gradescope_reproduce_main(assignment=assignment, path=path))


def gradescope_reproduce_main(*, assignment: str, path: Path) -> int:
    from autograder.frontends.gradescope_zip import reproduce

    try:
        spec = load_assignment(assignment)
        report = reproduce(spec, path)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    click.echo(f"{path}: {report.score:g} / {report.max_score:g}  seed {report.seed}  sha256 {report.sha256[:12]}")
    return 1 if report.grader_errors else 0


@main.group()
def secret() -> None:
    """The course secret that seeds hidden inputs (c.Autograder.secret_file)."""


@secret.command()
def fingerprint() -> None:
    """Print the course secret's fingerprint: two clones grade alike exactly when these match."""
    sys.exit(fingerprint_main())


def fingerprint_main() -> int:
    from autograder.course.seeding import course_secret, fingerprint as secret_fingerprint, secret_path

    try:
        root = find_course_root()
        path = secret_path(root)
        existed = path.is_file()
        value = course_secret(root)
    except (GraderError, ValueError, OSError) as error:
        click.echo(f"error: cannot read the course secret: {error}", err=True)
        return 2
    click.echo(f"{secret_fingerprint(value)}  {path}" + ("" if existed else "  (just created)"))
    return 0


@main.group()
def export() -> None:
    """Export final grades for a learning management system."""


@export.command()
@click.argument("results_dir", metavar="RESULTS_DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The gradebook CSV exported from Canvas (Grades > Export).")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("canvas.csv"),
              show_default=True, help="The CSV to import into Canvas.")
@click.option("--id-column", default=None,
              help="Roster column holding the nbgrader student id [default: c.Autograder.roster_id_column, "
                   "else SIS Login ID].")
@click.option("--column", "column_name", default=None,
              help='Assignment column header, e.g. "celoss (12345)" to update an existing Canvas assignment '
                   "[default: the assignment name].")
def canvas(results_dir: Path, roster: Path, out_file: Path, id_column: str | None, column_name: str | None) -> None:
    """Fill a Canvas roster with the final grades of RESULTS_DIR (an `autograder grade` output folder)."""
    sys.exit(canvas_main(results_dir=results_dir, roster=roster, out_file=out_file, id_column=id_column,
                         column_name=column_name))


def canvas_main(*, results_dir: Path, roster: Path, out_file: Path, id_column: str | None = None,
                column_name: str | None = None) -> int:
    from autograder.reports.class_reports import load_results, standings
    from autograder.reports.canvas import write_canvas_csv

    reports = load_results(results_dir)
    if not reports:
        click.echo(f"error: no results files in {results_dir}/; run `autograder grade` first", err=True)
        return 2
    try:
        context = _context_for(reports)
        try:
            default_column = load_settings(find_course_root()).roster_id_column
        except GraderError:
            default_column = "SIS Login ID"
        done = write_canvas_csv(reports, standings(reports, context), roster, out_file,
                                id_column=id_column or default_column, column_name=column_name or reports[0].assignment)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    click.echo(f"wrote {done.path}: {done.matched} student(s) graded")
    if done.without_submission:
        click.echo(f"{len(done.without_submission)} roster student(s) without a submission (left blank): "
                   + ", ".join(done.without_submission), err=True)
    if done.without_roster_row:
        click.echo(f"{len(done.without_roster_row)} submission(s) with no roster row (not exported): "
                   + ", ".join(done.without_roster_row), err=True)
    return 0


@main.command()
@click.argument("name")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The course folder (holding nbgrader_config.py) [default: the course around the current folder].")
def new(name: str, course_dir: Path | None) -> None:
    """Scaffold assignment NAME: solutions/NAME/NAME.ipynb and graders/NAME/ (declaration, example grader, rubric).

    The scaffold grades as it is (the reference full marks, the release stub 0); replace its example op
    with your own. Exit 0 on success, 2 if NAME is taken or invalid, or the folder is not a course.
    """
    sys.exit(new_main(name=name, course_dir=course_dir))


def new_main(*, name: str, course_dir: Path | None = None) -> int:
    from autograder.course.assignment import find_course_root
    from autograder.course.scaffold import create_assignment

    try:
        root = course_dir if course_dir is not None else _course_or_cwd(find_course_root)
        made = create_assignment(name, root)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    for path in made.files:
        click.echo(f"created {path.relative_to(made.course_root)}")
    click.echo(f"next: edit solutions/{name}/{name}.ipynb and graders/{name}/, then run "
               f"`python -m autograder.course.release {name}` in {made.course_root}")
    return 0


def _course_or_cwd(find_course_root) -> Path:
    """The course around the current folder, or the current folder itself (a course without assignments yet)."""
    try:
        return find_course_root()
    except GraderError:
        return Path.cwd()
