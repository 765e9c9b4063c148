"""Build a student release: plain `nbgrader generate_assignment`, then a .py stub that `python <name>.py` checks."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.course.assignment import Assignment, load_assignment
from autograder.errors import GraderError
from autograder.submission.extract import notebook_cells

STUB_HEADER = '''"""{title} (assignment {name}): the .py version of {name}.ipynb.

What to do:
- Replace each `raise NotImplementedError()` under `# YOUR CODE HERE` with your own code.
- Keep every name and signature, and leave the provided code as it is.
- The notebook {name}.ipynb explains the maths and what to write.
{run_line}- Submit this file as {name}.py.

Generated from the released notebook by `python -m autograder.course.release {name}`.
"""
'''

RUN_LINE = """- Run `python {name}.py` for the notebook's checks and gradient checker ({checks}.py must be next to
  this file); it exits with status 1 while anything fails. `nbgrader validate` reads notebooks only.
"""

# Run only by `python <name>.py`: the sandbox runs a submission's code without `__file__`, so grading never
# imports the checks, and a module loaded under another name skips it too.
STUB_MAIN = '''

if __name__ == "__main__" and "__file__" in globals():  # `python {name}.py`; grading never runs this block
    import sys

    try:
        import {checks}
    except ImportError:
        sys.exit("{checks}.py is missing: keep it next to {name}.py, as it came in the release folder.")
    sys.exit({checks}.run_all(globals()))
'''


def build_release(assignment: Assignment, into: Path | None = None) -> Path:
    """Release `assignment` into the course at `into` (default: its own course); return the release folder.

    A separate `into` becomes a minimal course copy: the nbgrader config and the assignment's sources.
    """
    course = Path(into).resolve() if into is not None else assignment.course_root
    if course != assignment.course_root.resolve():
        _copy_course(assignment, course)
    _generate_assignment(assignment.name, course)
    release = course / "assignments" / assignment.name
    notebook = release / f"{assignment.name}.ipynb"
    stub = release / f"{assignment.name}.py"
    with_checks = (release / f"{checks_module(assignment.name)}.py").is_file()
    stub.write_text(stub_source(notebook.read_text(encoding="utf-8"), assignment.name, with_checks=with_checks),
                    encoding="utf-8")
    return release


def checks_module(name: str) -> str:
    """The shipped module of visible checks that an assignment's source folder may hold: `<name>_checks`."""
    return f"{name}_checks"


def stub_source(notebook_text: str, name: str, *, with_checks: bool = True) -> str:
    """The .py stub: a header, exactly the cells the grader would extract from the notebook, then (when the
    assignment ships `<name>_checks.py`) a `__main__` block that runs its checks."""
    cells, _ = notebook_cells(notebook_text, f"{name}.ipynb")
    run_line = RUN_LINE.format(name=name, checks=checks_module(name)) if with_checks else ""
    header = STUB_HEADER.format(title=_title(notebook_text, name), name=name, run_line=run_line)
    main = STUB_MAIN.format(name=name, checks=checks_module(name)) if with_checks else ""
    return header + "\n" + "\n\n\n".join(cell.strip("\n") for cell in cells) + "\n" + main


def _title(notebook_text: str, name: str) -> str:
    for cell in json.loads(notebook_text).get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "markdown" and source.startswith("# "):
            return source.splitlines()[0][2:].strip()
    return name


def _copy_course(assignment: Assignment, course: Path) -> None:
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy2(assignment.course_root / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(
        assignment.source_notebook.parent,
        course / "solutions" / assignment.name,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )


def _generate_assignment(name: str, course: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)  # nbgrader calls `alembic` through PATH
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--log-level=WARN"]
    result = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise GraderError(
            f"nbgrader generate_assignment {name} failed in {course} (exit {result.returncode}):\n"
            + (result.stderr or result.stdout)[-3000:]
        )


def main(argv: list[str] | None = None) -> int:
    """`python -m autograder.course.release NAME [--into DIR]`; exit 0 on success, 1 on a grader error."""
    parser = argparse.ArgumentParser(prog="python -m autograder.course.release", description=__doc__)
    parser.add_argument("name", help="assignment name, e.g. celoss")
    parser.add_argument("--into", type=Path, help="build into a course copy here instead of this course")
    args = parser.parse_args(argv)
    try:
        release = build_release(load_assignment(args.name), into=args.into)
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in sorted(release.iterdir()):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
