"""Find what to grade: files, folders, zip archives (extracted safely) and nbgrader's submitted/ layout.

Names are what results files are called: a file's stem, a path relative to the folder or archive
given (parts joined by "__"), or, in nbgrader's `submitted/<student>/<assignment>/` layout, the
student id. Names are made unique in a stable order, so a rerun maps each file to the same name.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SUBMISSION_SUFFIXES = (".ipynb", ".py")
MAX_ARCHIVE_MEMBERS = 5000
MAX_MEMBER_BYTES = 256 * 2**20  # a too-big notebook is still extracted, so its student hears why
MAX_ARCHIVE_BYTES = 2 * 2**30  # counted while extracting, not read from the (forgeable) headers
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SubmissionFile:
    """One file to grade and the name its results go under."""

    path: Path
    name: str
    student_id: str | None = None


@dataclass(frozen=True)
class Rejected:
    """An input that is not a submission at all (a zip bomb, a path escaping its archive): never graded."""

    source: str
    reason: str


@dataclass(frozen=True)
class Found:
    """Everything `find_submissions` found: the files to grade and the inputs it refused."""

    files: tuple[SubmissionFile, ...]
    rejected: tuple[Rejected, ...] = ()


def find_submissions(paths: list[Path], *, assignment: str | None = None, scratch: Path | None = None) -> Found:
    """Walk `paths`; archives are extracted under `scratch` (required if any path is a zip archive)."""
    files: list[SubmissionFile] = []
    rejected: list[Rejected] = []
    for path in paths:
        if path.is_dir():
            files += _from_folder(path, assignment, scratch, rejected)
        elif path.suffix.lower() == ".zip":
            files += _from_archive(path, _scratch_for(scratch, path), assignment, rejected, prefix="")
        else:
            files.append(_from_file(path, assignment))
    return Found(tuple(_unique(files)), tuple(rejected))


def _from_file(path: Path, assignment: str | None) -> SubmissionFile:
    student = nbgrader_student(path, assignment)
    return SubmissionFile(path, safe_name(student or path.stem), student)


def _from_folder(root: Path, assignment: str | None, scratch: Path | None, rejected: list) -> list[SubmissionFile]:
    found: list[SubmissionFile] = []
    for file in sorted(root.rglob("*")):
        if not file.is_file() or file.is_symlink() or _hidden(file, root):
            continue
        relative = file.relative_to(root)
        if file.suffix.lower() == ".zip":
            prefix = "__".join(relative.with_suffix("").parts)
            found += _from_archive(file, _scratch_for(scratch, file), assignment, rejected, prefix=prefix)
            continue
        if file.suffix not in SUBMISSION_SUFFIXES:
            continue
        student = nbgrader_student(file, assignment)
        if student is not None:
            found.append(SubmissionFile(file, safe_name(student), student))
        elif not _inside_nbgrader_layout(file):
            found.append(SubmissionFile(file, _name_under(file, root)))
    return found


def nbgrader_student(file: Path, assignment: str | None) -> str | None:
    """The student id when `file` is `.../submitted/<student>/<assignment>/<notebook>.ipynb`, else None."""
    parts = file.absolute().parts
    if len(parts) < 4 or parts[-4] != "submitted" or file.suffix != ".ipynb":
        return None
    if assignment is not None and parts[-2] != assignment:
        return None
    return parts[-3]


def _inside_nbgrader_layout(file: Path) -> bool:
    """Anything else under a `submitted/` folder (another assignment, a helper file) is not graded."""
    return "submitted" in file.absolute().parts[:-1]


def _scratch_for(scratch: Path | None, archive: Path) -> Path:
    if scratch is None:
        raise ValueError("a scratch folder is needed to extract zip archives")
    index = sum(1 for _ in scratch.iterdir()) if scratch.exists() else 0
    return scratch / f"{index:04d}-{safe_name(archive.stem)}"


def _from_archive(archive: Path, target: Path, assignment, rejected: list, *, prefix: str) -> list[SubmissionFile]:
    try:
        extract_zip(archive, target)
    except (ArchiveRefused, zipfile.BadZipFile, OSError) as error:
        rejected.append(Rejected(str(archive), f"archive not extracted: {error}"))
        shutil.rmtree(target, ignore_errors=True)
        return []
    inner = _from_folder(target, assignment, None, rejected) if target.exists() else []
    if prefix and len(inner) == 1 and inner[0].student_id is None:
        return [SubmissionFile(inner[0].path, safe_name(prefix))]
    return [
        item if item.student_id or not prefix else SubmissionFile(item.path, safe_name(f"{prefix}__{item.name}"))
        for item in inner
    ]


class ArchiveRefused(Exception):
    """The archive is unsafe to extract: too many members, too large, or a member escaping the folder."""


def extract_zip(archive: Path, target: Path) -> list[Path]:
    """Extract regular files only; refuse traversal, symlinks and bombs. Sizes are counted, not trusted."""
    written: list[Path] = []
    total = 0
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise ArchiveRefused(f"{len(members)} members (at most {MAX_ARCHIVE_MEMBERS})")
        for member in members:
            if member.is_dir() or stat.S_ISLNK(member.external_attr >> 16):
                continue
            relative = _safe_member_path(member.filename)
            if member.file_size > MAX_MEMBER_BYTES:
                raise ArchiveRefused(f"{member.filename} would be {member.file_size / 2**20:.0f} MiB")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            size = 0
            with bundle.open(member) as source, open(destination, "xb") as sink:
                while block := source.read(_CHUNK):
                    size += len(block)
                    total += len(block)
                    if size > MAX_MEMBER_BYTES or total > MAX_ARCHIVE_BYTES:
                        raise ArchiveRefused(f"{member.filename} expands beyond the size cap (a zip bomb?)")
                    sink.write(block)
            written.append(destination)
    return written


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or ":" in path.parts[0]:
        raise ArchiveRefused(f"member {name!r} would be written outside the extraction folder")
    return path


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith(".") or part in ("__pycache__", "__MACOSX") for part in file.relative_to(root).parts)


def _name_under(file: Path, root: Path) -> str:
    return safe_name("__".join(file.relative_to(root).with_suffix("").parts))


def safe_name(text: str) -> str:
    """A file-name-safe version of `text`: letters, digits, `_`, `.` and `-` only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "submission"


def _unique(files: list[SubmissionFile]) -> list[SubmissionFile]:
    """Second and later holders of a name become `name-2`, `name-3`, ...; never a name another file has."""
    taken = {item.name for item in files}
    seen: set[str] = set()
    unique = []
    for item in files:
        name, count = item.name, 1
        while name in seen or (name != item.name and name in taken):
            count += 1
            name = f"{item.name}-{count}"
        seen.add(name)
        unique.append(item if name == item.name else SubmissionFile(item.path, name, item.student_id))
    return unique
