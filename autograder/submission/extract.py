"""Turn a notebook or a .py file into a `Submission`: the student's code, cell by cell, magics neutralised."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UnreadableSubmission
from autograder.submission.regular_file import open_regular, read_regular

MAX_SUBMISSION_BYTES = 256 * 2**20  # a file on disk; a notebook's stored outputs are dropped, never counted
MAX_CODE_BYTES = 4 * 2**20  # the code itself: a .py file, or a notebook's code cells together
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


def read_submission(path: Path | str, name: str | None = None, *, root: Path | None = None) -> Submission:
    """Read a .ipynb or .py file; raise `UnreadableSubmission` with a message the student can act on.

    Only a regular file inside its submission folder (`root`, see `regular_file.submission_root`) is
    read, never through a link.
    """
    path = Path(path)
    limit = MAX_SUBMISSION_BYTES if path.name.endswith(".ipynb") else MAX_CODE_BYTES
    try:
        raw = read_regular(path, limit=limit, root=root)
    except OSError as error:
        raise UnreadableSubmission(f"cannot read {path.name}: {error.strerror}") from None
    if path.suffix.lower() == ".zip":
        raise UnreadableSubmission(
            f"{path.name} is a zip archive that could not be graded (an archive inside an archive, or one "
            "refused when extracting); submit the notebook itself, or one archive of plain files."
        )
    if len(raw) > limit:
        advice = " Clear the notebook's outputs and resubmit." if limit == MAX_SUBMISSION_BYTES else ""
        raise UnreadableSubmission(
            f"{path.name} is over {limit // 2**20} MiB; submissions are capped at {limit // 2**20} MiB.{advice}"
        )
    return submission_from_bytes(raw, name=name or path.stem, filename=path.name, path=path)


def file_digest(path: Path, *, root: Path | None = None) -> tuple[str, int]:
    """The sha256 and size of a regular file, read in blocks; ("", 0) for a link or an unreadable path."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(open_regular(path, root=root), "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                size += len(block)
    except (OSError, UnreadableSubmission):
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
    """The code of every graded-relevant cell: answer cells and student cells, never test cells.

    Every field read is checked against the notebook schema; stored outputs are dropped while parsing.
    """
    notebook = _parse(text, filename)
    cells: list[str] = []
    notes: list[str] = []
    total = 0
    for index, (cell, source_key) in enumerate(_raw_cells(notebook, filename), start=1):
        if not isinstance(cell, dict):
            raise _invalid(filename, f"cell {index} is not a JSON object")
        if cell.get("cell_type") != "code":
            continue
        metadata = _object_or_empty(cell.get("metadata"), filename, f"cell {index}'s metadata")
        nbgrader = _object_or_empty(metadata.get("nbgrader"), filename, f"cell {index}'s nbgrader metadata")
        tags = metadata.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise _invalid(filename, f"cell {index}'s tags are not a list of strings")
        if is_test_cell({"nbgrader": nbgrader}) or SKIP_TAG in tags:
            continue
        code, neutralised = neutralise_magics(_source(cell.get(source_key, ""), filename, index))
        if neutralised:
            notes.append(f"{neutralised} IPython magic or shell line(s) were not run")
        total += len(code.encode("utf-8", "surrogatepass"))
        if total > MAX_CODE_BYTES:
            raise UnreadableSubmission(
                f"{filename} holds over {MAX_CODE_BYTES // 2**20} MiB of code; the code of a submission is "
                f"capped at {MAX_CODE_BYTES // 2**20} MiB (outputs do not count)."
            )
        if code.strip():
            cells.append(code)
    return tuple(cells), tuple(notes)


def _parse(text: str, filename: str) -> dict:
    try:
        notebook = json.loads(text, object_pairs_hook=_without_outputs)
    except json.JSONDecodeError as error:
        raise UnreadableSubmission(
            f"{filename} is not valid notebook JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}). Re-download it from Jupyter with File > Save."
        ) from None
    except (ValueError, RecursionError) as error:  # an integer of 5,000 digits, nesting 100,000 deep
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else "it holds a number too long to read"
        raise _invalid(filename, reason) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells", notebook.get("worksheets")), list):
        raise UnreadableSubmission(f"{filename} is JSON but not a Jupyter notebook (no cells).")
    return notebook


def _without_outputs(pairs: list[tuple[str, object]]) -> dict:
    """Outputs never count: drop each cell's stored outputs as soon as the parser has built them."""
    return {key: value for key, value in pairs if key != "outputs"}


def _raw_cells(notebook: dict, filename: str) -> list[tuple[object, str]]:
    version = notebook.get("nbformat", 4)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 99:
        raise _invalid(filename, f"its nbformat is {str(version)[:20]!r}, not a version number")
    if version >= 4:
        cells = notebook.get("cells")
        if not isinstance(cells, list):
            raise _invalid(filename, "its cells are not a list")
        return [(cell, "source") for cell in cells]
    sheets = notebook.get("worksheets")
    if not isinstance(sheets, list) or not all(isinstance(sheet, dict) for sheet in sheets):
        raise _invalid(filename, "its worksheets are not a list of objects")
    found = []
    for sheet in sheets:
        cells = sheet.get("cells", [])
        if not isinstance(cells, list):
            raise _invalid(filename, "a worksheet's cells are not a list")
        found += [(cell, "input") for cell in cells]
    return found


def _object_or_empty(value, filename: str, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(filename, f"{what} is a {type(value).__name__}, not an object")
    return value


def _source(source, filename: str, index: int) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise _invalid(filename, f"cell {index}'s source is neither text nor a list of lines")


def _invalid(filename: str, reason: str) -> UnreadableSubmission:
    return UnreadableSubmission(
        f"{filename} is not a valid notebook: {reason}. Re-download it from Jupyter with File > Save."
    )


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
