"""The `autograder` command. Each verb hands its options to a keyword-only `*_main` function.

Exit codes:
    0    every submission was graded (whatever the scores; a student's broken file still gets a report)
    1    an infrastructure failure: the grader, not the student, failed on at least one submission
         (a worker process died, a grader raised); listed on stderr and in OUT/_failures.json; or no
         sandbox the course allows works here, so nothing was graded (the reason is on stderr)
    2    a usage error: unknown assignment, no submissions found, bad option
    130  interrupted with Ctrl-C; the results written so far are kept, and a rerun resumes
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from autograder.batch import BatchResult, grade_batch
from autograder.collect import find_submissions
from autograder.course import load_assignment
from autograder.errors import GraderError, SandboxUnavailable


@click.group()
@click.version_option(package_name="autograder")
def main() -> None:
    """Trusted, sandboxed grading of numerical assignments."""


@main.command()
@click.argument("assignment")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the results files.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once on this machine [default: all cores].")
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
    from autograder.progress import BatchProgress
    from autograder.sandbox.policy import ISOLATION_ENV, check_isolation

    try:
        spec = load_assignment(assignment)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    if isolation is not None:
        os.environ[ISOLATION_ENV] = isolation  # the local workers inherit the course's choice
    if not scheduler:  # a cluster's workers decide for themselves; their refusals fail each task
        try:
            check_isolation()
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
        try:
            with BatchProgress(len(found.files), enabled=progress) as bar:
                result = grade_batch(spec, list(found.files), out_dir, jobs=jobs or os.cpu_count(), force=force,
                                     scheduler=scheduler, rejected=found.rejected, on_result=bar.advance)
        except ConnectionError as error:
            click.echo(f"error: {error}. Check the address, or grade locally without --scheduler.", err=True)
            return 1
    print_summary(result, out_dir)
    _write_class_reports(result, out_dir)
    if result.interrupted:
        return 130
    return 1 if result.failures else 0


def print_summary(result: BatchResult, out_dir: Path) -> None:
    """One line per graded submission, then the infrastructure failures (on stderr) and the totals."""
    graded = [item for item in result.items if not item.skipped]
    width = max((len(item.source.name) for item in graded), default=0)
    for item in graded:
        if item.report is None:
            click.echo(f"{item.source.name:<{width}}  GRADER FAILURE (see stderr)")
            continue
        bugs = " ".join(f"bug:{bug}" for bug in item.report.diagnoses)
        click.echo(f"{item.source.name:<{width}}  {round(item.report.score, 6):5.1f} / {item.report.max_score:g}  {bugs}")
    for item in result.failures:
        click.echo(f"INFRASTRUCTURE FAILURE {item.source.name} ({item.source.path}):\n{item.failure}", err=True)
    skipped = len(result.items) - len(graded)
    click.echo(f"{len(graded)} graded, {skipped} already up to date, {len(result.failures)} infrastructure "
               f"failure(s); results in {out_dir}/")
    if result.failures or result.rejected:
        click.echo(f"failures listed in {out_dir}/_failures.json", err=True)
    if result.interrupted:
        click.echo("interrupted: rerun the same command to grade the rest", err=True)


def _write_class_reports(result: BatchResult, out_dir: Path) -> None:
    from autograder.reports import write_class_reports

    paths = write_class_reports(list(result.reports), out_dir)
    if paths.feedback_files:
        click.echo(f"class report: {paths.report_html}\ngrades: {paths.grades_csv}\nfeedback: {paths.feedback_dir}/")


@main.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report(out_dir: Path) -> None:
    """Rebuild grades.csv, report.html and feedback/ from the results files in DIR (e.g. after a resume)."""
    sys.exit(report_main(out_dir=out_dir))


def report_main(*, out_dir: Path) -> int:
    from autograder.reports import write_directory_reports

    paths = write_directory_reports(out_dir)
    for stale in paths.stale:
        click.echo(f"skipped {stale.path}: {stale.reason}", err=True)
    if not paths.feedback_files:
        click.echo(f"error: no results files (*.json in the Gradescope schema) in {out_dir}/; "
                   "run `autograder grade` first", err=True)
        return 2
    click.echo(f"{len(paths.feedback_files)} students: {paths.report_html}, {paths.grades_csv}, {paths.feedback_dir}/")
    return 0


@main.command()
@click.argument("assignment")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/gradescope"),
              show_default=True, help="Folder for autograder.zip.")
def gradescope(assignment: str, out_dir: Path) -> None:
    """Build OUT/autograder.zip for Gradescope (setup.sh, run_autograder, graders, reference, package)."""
    sys.exit(gradescope_main(assignment=assignment, out_dir=out_dir))


def gradescope_main(*, assignment: str, out_dir: Path) -> int:
    from autograder.gradescope_zip import build_gradescope_zip

    try:
        spec = load_assignment(assignment)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    built = build_gradescope_zip(spec, out_dir)
    click.echo(f"wrote {built.path} ({len(built.members)} files; a fresh seed secret, not the course's)")
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
    from autograder.course import find_course_root
    from autograder.scaffold import create_assignment

    try:
        root = course_dir if course_dir is not None else _course_or_cwd(find_course_root)
        made = create_assignment(name, root)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    for path in made.files:
        click.echo(f"created {path.relative_to(made.course_root)}")
    click.echo(f"next: edit solutions/{name}/{name}.ipynb and graders/{name}/, then run "
               f"`python -m autograder.release {name}` in {made.course_root}")
    return 0


def _course_or_cwd(find_course_root) -> Path:
    """The course around the current folder, or the current folder itself (a course without assignments yet)."""
    try:
        return find_course_root()
    except GraderError:
        return Path.cwd()
