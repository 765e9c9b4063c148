"""The `autograder` command. Each verb hands its options to a library function; exit codes are below.

Exit codes: 0 every submission was graded (whatever the scores); 1 an infrastructure failure
(the grader, not the student, failed on at least one submission); 2 a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.batch import find_submissions, grade_all
from autograder.course import load_assignment
from autograder.errors import GraderError


@click.group()
@click.version_option(package_name="autograder")
def main() -> None:
    """Trusted, sandboxed grading of numerical assignments."""


@main.command()
@click.argument("assignment")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the results files.")
def grade(assignment: str, paths: tuple[Path, ...], out_dir: Path) -> None:
    """Grade every submission in PATHS (files or folders) and write OUT/<name>.json for each."""
    sys.exit(grade_main(assignment=assignment, paths=list(paths), out_dir=out_dir))


def grade_main(*, assignment: str, paths: list[Path], out_dir: Path) -> int:
    try:
        spec = load_assignment(assignment)
    except GraderError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    sources = find_submissions(paths)
    if not sources:
        click.echo("error: no .ipynb or .py submissions found in the given paths", err=True)
        return 2
    items = grade_all(spec, sources, out_dir)
    print_table(items)
    click.echo(f"results written to {out_dir}/")
    return 1 if any(item.failure or (item.report and item.report.grader_errors) for item in items) else 0


def print_table(items) -> None:
    width = max(len(item.source.name) for item in items)
    for item in items:
        if item.report is None:
            click.echo(f"{item.source.name:<{width}}  GRADER FAILURE (see stderr)")
            click.echo(item.failure, err=True)
            continue
        report = item.report
        diagnoses = " ".join(f"bug:{bug}" for bug in report.diagnoses)
        click.echo(f"{item.source.name:<{width}}  {report.score:5.1f} / {report.max_score:g}  {diagnoses}")
