"""Extract zip archives safely: regular files only, no traversal, and one byte and file budget per batch.

Sizes are counted while extracting, never read from the (forgeable) headers. Only submission files
are written; an archive inside the archive is never opened, only listed, so its owner hears why.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_ARCHIVE_MEMBERS = 5000
MAX_MEMBER_BYTES = 256 * 2**20  # a notebook with large stored outputs is still extracted: outputs never count
MAX_ARCHIVE_BYTES = 512 * 2**20  # one archive: no single student can spend the batch's budget
MAX_BATCH_BYTES = 4 * 2**30  # everything extracted for one batch, all archives together
MAX_BATCH_FILES = 20_000
BOMB_RATIO = 200  # a member expanding more than this many times its stored size, past BOMB_FLOOR_BYTES
BOMB_FLOOR_BYTES = 32 * 2**20
_CHUNK = 1 << 20


class ArchiveRefused(Exception):
    """The archive is unsafe to extract: too many members, too large, a bomb, or a member escaping the folder."""


@dataclass
class ExtractionBudget:
    """What is left to extract: one for the whole batch, which every archive draws on, and one per archive."""

    bytes_left: int = field(default_factory=lambda: MAX_BATCH_BYTES)
    files_left: int = field(default_factory=lambda: MAX_BATCH_FILES)
    what: str = "the batch"

    def __post_init__(self) -> None:
        self.limit = self.bytes_left

    def take_file(self, name: str) -> None:
        if self.files_left <= 0:
            raise ArchiveRefused(f"{name}: the batch's extraction budget of {MAX_BATCH_FILES} files is used up")
        self.files_left -= 1

    def take_bytes(self, name: str, count: int) -> None:
        if count > self.bytes_left:
            raise ArchiveRefused(f"{name}: {self.what}'s extraction budget of {self.limit // 2**20} MiB is used up")
        self.bytes_left -= count


@dataclass(frozen=True)
class Extracted:
    """The files written, and the archives found inside the archive (listed, never opened)."""

    files: tuple[Path, ...]
    nested: tuple[str, ...] = ()


@dataclass
class _Progress:
    written: list[Path] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)


def extract_zip(archive: Path, target: Path, *, suffixes: tuple[str, ...], budget: ExtractionBudget | None = None) -> Extracted:
    """Extract the members ending in `suffixes` (regular files only); raise `ArchiveRefused` if unsafe."""
    budget = budget if budget is not None else ExtractionBudget()
    progress = _Progress()
    archive_budget = ExtractionBudget(bytes_left=MAX_ARCHIVE_BYTES, files_left=MAX_ARCHIVE_MEMBERS, what="one archive")
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise ArchiveRefused(f"{len(members)} members (at most {MAX_ARCHIVE_MEMBERS})")
        for member in members:
            if member.is_dir() or not _is_regular(member):
                continue
            relative = _safe_member_path(member.filename)
            if relative.suffix.lower() == ".zip":
                progress.nested.append(str(relative))
                continue
            if relative.suffix.lower() not in suffixes or _hidden(relative):
                continue
            if member.file_size > MAX_MEMBER_BYTES:
                raise ArchiveRefused(f"{member.filename} would be {member.file_size / 2**20:.0f} MiB")
            budget.take_file(member.filename)
            progress.written.append(_extract_member(bundle, member, target / relative, (budget, archive_budget)))
    return Extracted(tuple(progress.written), tuple(progress.nested))


def _extract_member(bundle: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path,
                    budgets: tuple[ExtractionBudget, ...]) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    stored = max(member.compress_size, 1)
    size = 0
    with bundle.open(member) as source, open(destination, "xb") as sink:
        while block := source.read(_CHUNK):
            size += len(block)
            if size > MAX_MEMBER_BYTES:
                raise ArchiveRefused(f"{member.filename} expands beyond the size cap (a zip bomb?)")
            if size > BOMB_FLOOR_BYTES and size > BOMB_RATIO * stored:
                raise ArchiveRefused(
                    f"{member.filename} expands more than {BOMB_RATIO} times its compressed size (a zip bomb?)"
                )
            for budget in budgets:
                budget.take_bytes(member.filename, len(block))
            sink.write(block)
    return destination


def _is_regular(member: zipfile.ZipInfo) -> bool:
    kind = stat.S_IFMT(member.external_attr >> 16)
    return kind in (0, stat.S_IFREG)  # many archivers record no file type at all


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or ":" in path.parts[0]:
        raise ArchiveRefused(f"member {name!r} would be written outside the extraction folder")
    return path


def _hidden(relative: PurePosixPath) -> bool:
    return any(part.startswith(".") or part in ("__pycache__", "__MACOSX") for part in relative.parts)
