"""Find what to grade: files, folders, zip archives (extracted safely) and nbgrader's submitted/ layout.

Names are what results files are called: a file's stem, a path relative to the folder or archive
given (parts joined by "__"), or, in nbgrader's `submitted/<student>/<assignment>/` layout, the
student id. Student ids come only from real paths, never from names inside an archive: an archive
in a student's folder holds at most more files of that same student. Names are made unique in a
stable order (files on real paths claim theirs first), so a rerun maps each file to the same name.
Folders are walked without following links; a link where a submission should be is still listed,
so that grading refuses it with a report ("not a regular file") instead of skipping it silently.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder.submission.archive import ExtractionBudget, extract_zip
from autograder.submission.regular_file import is_plain_folder, is_regular, walk

SUBMISSION_SUFFIXES = (".ipynb", ".py")


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
    """Walk `paths`; archives are extracted under `scratch` (required if any path is a zip archive).

    The same file reached twice (named twice, or named and inside a folder named) is graded once.
    """
    finder = _Finder(assignment, scratch)
    for path in paths:
        path = Path(path)
        if path.is_dir():  # a folder the instructor named is trusted, even through a link
            finder.folder(path)
        else:
            finder.file(path)
    return Found(tuple(_unique(finder.found)), tuple(finder.rejected))


@dataclass
class _Finder:
    assignment: str | None
    scratch: Path | None
    budget: ExtractionBudget = field(default_factory=ExtractionBudget)
    found: list[tuple[SubmissionFile, int]] = field(default_factory=list)  # (file, 0 real path / 1 from an archive)
    rejected: list[Rejected] = field(default_factory=list)
    seen: set = field(default_factory=set)
    seen_archives: set = field(default_factory=set)
    archives: int = 0

    def add(self, item: SubmissionFile, *, from_archive: bool = False) -> None:
        key = _identity(item.path)
        if key not in self.seen:
            self.seen.add(key)
            self.found.append((item, int(from_archive)))

    def file(self, path: Path) -> None:
        student = layout_student(path, self.assignment) if path.suffix.lower() in (".ipynb", ".zip") else None
        if path.suffix.lower() == ".zip" and is_regular(path):
            self.archive(path, owner=student, prefix=student or "")
        else:
            self.add(SubmissionFile(path, safe_name(student or path.stem), student))

    def folder(self, root: Path) -> None:
        for entry in walk(root):
            relative = entry.relative_to(root)
            if _hidden(relative) or is_plain_folder(entry):
                continue
            student = layout_student(entry, self.assignment)
            if student is not None:
                self._layout_entry(entry, student)
            elif _linked_layout_folder(entry, self.assignment) is not None:
                owner = _linked_layout_folder(entry, self.assignment)
                self.add(SubmissionFile(entry, safe_name(owner), owner))
            elif _inside_nbgrader_layout(entry):
                continue
            elif entry.suffix.lower() == ".zip" and is_regular(entry):
                self.archive(entry, owner=None, prefix="__".join(relative.with_suffix("").parts))
            elif entry.suffix in SUBMISSION_SUFFIXES:
                self.add(SubmissionFile(entry, _name_under(entry, root)))
            elif not is_regular(entry) and entry.is_symlink():
                self.rejected.append(Rejected(str(entry), "a symbolic link, not a regular file: not followed"))

    def _layout_entry(self, entry: Path, student: str) -> None:
        if entry.suffix.lower() == ".zip" and is_regular(entry):
            self.archive(entry, owner=student, prefix=student)
        elif entry.suffix == ".ipynb" or entry.suffix.lower() == ".zip":  # a linked .zip is refused when read
            self.add(SubmissionFile(entry, safe_name(student), student))

    def archive(self, archive: Path, *, owner: str | None, prefix: str) -> None:
        """Extract and add an archive's files: all `owner`'s when it lies in a student's folder."""
        key = _identity(archive)
        if key in self.seen_archives:
            return
        self.seen_archives.add(key)
        if self.scratch is None:
            raise ValueError("a scratch folder is needed to extract zip archives")
        target = self.scratch / f"{self.archives:04d}-{safe_name(archive.stem)}"
        self.archives += 1
        try:
            extracted = extract_zip(archive, target, suffixes=SUBMISSION_SUFFIXES, budget=self.budget)
        except Exception as error:  # an untrusted archive breaks zipfile in many ways; it is refused, never fatal
            shutil.rmtree(target, ignore_errors=True)
            self._refuse(archive, owner, prefix, f"archive not extracted: {error}")
            return
        for nested in extracted.nested:
            self.rejected.append(Rejected(
                f"{archive}: {nested}",
                "an archive inside an archive is never opened; submit the notebook itself, or one archive of plain files",
            ))
        inner = sorted(extracted.files)
        if not inner and extracted.nested:  # nothing but archives: graded, so its owner hears why
            self.add(SubmissionFile(archive, safe_name(prefix or archive.stem), owner), from_archive=True)
        for file in inner:
            relative = "__".join(file.relative_to(target).with_suffix("").parts)
            name = prefix if len(inner) == 1 and prefix else f"{prefix}__{relative}" if prefix else relative
            self.add(SubmissionFile(file, safe_name(name), owner), from_archive=True)

    def _refuse(self, archive: Path, owner: str | None, prefix: str, reason: str) -> None:
        """A refused archive is listed; in a student's folder it is also graded, as that student's failure."""
        self.rejected.append(Rejected(str(archive), reason))
        if owner is not None:
            self.add(SubmissionFile(archive, safe_name(prefix or archive.stem), owner), from_archive=True)


def layout_student(file: Path, assignment: str | None) -> str | None:
    """The student id when `file` is `.../submitted/<student>/<assignment>/<file>`, from its real path, else None."""
    parts = Path(os.path.abspath(file)).parts
    if len(parts) < 4 or parts[-4] != "submitted":
        return None
    if assignment is not None and parts[-2] != assignment:
        return None
    return parts[-3]


def nbgrader_student(file: Path, assignment: str | None) -> str | None:
    """The student id when `file` is `.../submitted/<student>/<assignment>/<notebook>.ipynb`, else None."""
    return layout_student(file, assignment) if file.suffix == ".ipynb" else None


def _linked_layout_folder(entry: Path, assignment: str | None) -> str | None:
    """The student whose folder (`submitted/<student>` or its `<assignment>`) is a link instead of a folder."""
    if not entry.is_symlink():
        return None
    parts = Path(os.path.abspath(entry)).parts
    if len(parts) >= 2 and parts[-2] == "submitted":
        return parts[-1]
    if len(parts) >= 3 and parts[-3] == "submitted" and (assignment is None or parts[-1] == assignment):
        return parts[-2]
    return None


def _inside_nbgrader_layout(file: Path) -> bool:
    """Anything else under a `submitted/` folder (another assignment, a helper file) is not graded."""
    return "submitted" in Path(os.path.abspath(file)).parts[:-1]


def _identity(path: Path):
    try:
        info = os.lstat(path)
        return info.st_dev, info.st_ino
    except OSError:
        return os.path.abspath(path)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part in ("__pycache__", "__MACOSX") for part in relative.parts)


def _name_under(file: Path, root: Path) -> str:
    return safe_name("__".join(file.relative_to(root).with_suffix("").parts))


def safe_name(text: str) -> str:
    """A file-name-safe version of `text`: letters, digits, `_`, `.` and `-` only, never starting with `_` or `.`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "submission"


def _unique(found: list[tuple[SubmissionFile, int]]) -> list[SubmissionFile]:
    """Second and later holders of a name become `name-2`, `name-3`, ...; never a name another file has.

    Files on real paths claim their names before files from archives, so an archive cannot take a
    name from a file that is really there.
    """
    taken = {item.name for item, _ in found}
    seen: set[str] = set()
    renamed: dict[int, SubmissionFile] = {}
    for index in sorted(range(len(found)), key=lambda i: (found[i][1], i)):
        item = found[index][0]
        name, count = item.name, 1
        while name in seen or (name != item.name and name in taken):
            count += 1
            name = f"{item.name}-{count}"
        seen.add(name)
        renamed[index] = item if name == item.name else SubmissionFile(item.path, name, item.student_id)
    return [renamed[index] for index in range(len(found))]
