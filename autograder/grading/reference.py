"""Load an assignment's reference solution: the source notebook's code cells, run as a module in-process."""

from __future__ import annotations

import linecache
import threading
import types
from collections.abc import Sequence
from pathlib import Path

from autograder.course.assignment import Assignment
from autograder.errors import GraderError, UnreadableSubmission
from autograder.submission.extract import read_submission
from autograder.course.fingerprint import assignment_fingerprint

_cache: dict[tuple[Path, str], types.ModuleType] = {}
_lock = threading.Lock()


def load_module_from_cells(cells: Sequence[str], name: str) -> types.ModuleType:
    """Run `cells` in order in a fresh module called `name`; re-raise the first failure with its cell number.

    The module is not put in `sys.modules`. Each cell gets a filename like `<name cell 3>` whose source
    is registered with `linecache`, so tracebacks show the failing line.
    """
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    for number, code in enumerate(cells, start=1):
        filename = f"<{name} cell {number}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        try:
            exec(compile(code, filename, "exec"), module.__dict__)
        except BaseException as error:
            error.add_note(f"while running code cell {number} of {name}")
            raise
    return module


def load_reference(assignment: Assignment, *, fingerprint: str | None = None) -> types.ModuleType:
    """The reference module of `assignment`, cached until the assignment's fingerprint changes.

    `fingerprint` is the assignment's (`assignment_fingerprint`), for a caller that has just computed it.

    Raises `GraderError` if the notebook cannot be read, a cell raises, or a name the assignment declares is missing.
    """
    path = assignment.source_notebook.resolve()
    try:
        path.stat()
    except OSError as error:
        raise GraderError(f"cannot read the source notebook {path}: {error.strerror}") from None
    key = (path, fingerprint or assignment_fingerprint(assignment))
    with _lock:
        if key not in _cache:
            _cache[key] = _build_reference(path, f"{assignment.name}_reference")
        module = _cache[key]
    missing = [name for name in assignment.declaration.required_names if not hasattr(module, name)]
    if missing:
        raise GraderError(
            f"the source notebook {path} does not define {', '.join(missing)}; "
            "its solution cells must define the reference implementation"
        )
    return module


def _build_reference(path: Path, name: str) -> types.ModuleType:
    try:
        cells = read_submission(path).cells
    except UnreadableSubmission as error:
        raise GraderError(f"the source notebook {path} is unreadable: {error}") from None
    try:
        module = load_module_from_cells(cells, name)
    except Exception as error:
        raise GraderError(
            f"the reference in {path} raised {type(error).__name__}: {error}; "
            "run the source notebook top to bottom and fix the failing cell"
        ) from error
    return module
