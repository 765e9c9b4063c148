"""Turn a notebook or a .py file into a `Submission`: the student's code, cell by cell, magics neutralised."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UnreadableSubmission

MAX_SUBMISSION_BYTES = 20 * 1024 * 1024
SKIP_TAG = "autograder:skip"
_MAGIC_LINE = re.compile(r"^(\s*)(%|!)(.*)$")
_ASSIGNED_SHELL = re.compile(r"^(\s*[\w\.\[\], ]+=\s*)(!|%)(.*)$")


@dataclass(frozen=True)
class Submission:
    """One student's code, ready to run: cells execute in order, each failure is recorded, the rest go on."""

    name: str
    kind: str  # "notebook" or "python"
    cells: tuple[str, ...]
    sha256: str
    path: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return "\n\n".join(self.cells)


def read_submission(path: Path | str, name: str | None = None) -> Submission:
    """Read a .ipynb or .py file; raise `UnreadableSubmission` with a message the student can act on."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UnreadableSubmission(f"cannot read {path.name}: {error.strerror}") from None
    if size > MAX_SUBMISSION_BYTES:
        raise UnreadableSubmission(
            f"{path.name} is {size / 2**20:.0f} MiB; submissions are capped at "
            f"{MAX_SUBMISSION_BYTES // 2**20} MiB. Clear the notebook's outputs and resubmit."
        )
    raw = path.read_bytes()
    return submission_from_bytes(raw, name=name or path.stem, filename=path.name, path=path)


def file_digest(path: Path) -> tuple[str, int]:
    """The sha256 and size of a file, read in blocks (a 100 MB notebook is never held in memory)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                size += len(block)
    except OSError:
        return "", 0
    return digest.hexdigest(), size


def submission_from_bytes(
    raw: bytes, *, name: str, filename: str, path: Path | None = None
) -> Submission:
    sha = hashlib.sha256(raw).hexdigest()
    if not raw.strip():
        raise UnreadableSubmission(f"{filename} is empty.")
    if b"\x00" in raw[:8192]:
        raise UnreadableSubmission(f"{filename} is a binary file, not a notebook or Python source.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableSubmission(
            f"{filename} is not UTF-8 text (bad byte at position {error.start}). "
            "Save it as UTF-8 and resubmit."
        ) from None
    if filename.endswith(".ipynb"):
        cells, notes = notebook_cells(text, filename)
        kind = "notebook"
    else:
        cells, notes = (neutralise_magics(text)[0],), ()
        kind = "python"
    return Submission(name=name, kind=kind, cells=cells, sha256=sha, path=path, notes=notes)


def notebook_cells(text: str, filename: str = "notebook") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The code of every graded-relevant cell: answer cells and student cells, never test cells."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableSubmission(
            f"{filename} is not valid notebook JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}). Re-download it from Jupyter with File > Save."
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells", notebook.get("worksheets")), list):
        raise UnreadableSubmission(f"{filename} is JSON but not a Jupyter notebook (no cells).")
    if notebook.get("nbformat", 4) < 4:
        raw_cells = [c for sheet in notebook.get("worksheets", []) for c in sheet.get("cells", [])]
        source_key = "input"
    else:
        raw_cells = notebook["cells"]
        source_key = "source"
    cells: list[str] = []
    notes: list[str] = []
    for cell in raw_cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata") or {}
        if is_test_cell(metadata) or SKIP_TAG in (metadata.get("tags") or []):
            continue
        source = cell.get(source_key, "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        code, neutralised = neutralise_magics(str(source))
        if neutralised:
            notes.append(f"{neutralised} IPython magic or shell line(s) were not run")
        if code.strip():
            cells.append(code)
    return tuple(cells), tuple(notes)


def is_test_cell(metadata: dict) -> bool:
    nbgrader = metadata.get("nbgrader") or {}
    return bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def neutralise_magics(code: str) -> tuple[str, int]:
    """Replace `%magic`, `%%cell magic` and `!shell` lines with `pass`, keeping line numbers."""
    lines = code.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "\n".join("# " + line for line in lines), len(lines)
    count = 0
    out = []
    for line in lines:
        assigned = _ASSIGNED_SHELL.match(line)
        magic = _MAGIC_LINE.match(line)
        if (assigned or magic) and not _is_python_continuation(out):
            replacement = f"{assigned.group(1)}None" if assigned else f"{magic.group(1)}pass"
            out.append(f"{replacement}  # not run: {line.strip()[:60]}")
            count += 1
        else:
            out.append(line)
    return "\n".join(out), count


def _is_python_continuation(previous: list[str]) -> bool:
    return bool(previous) and previous[-1].rstrip().endswith(("\\", ",", "(", "[", "{"))
