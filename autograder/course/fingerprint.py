"""The one fingerprint of what grades an assignment: its graders folder, its declaration and its source notebook.

It keys the runner's collected suite, the reference cache and the grader version recorded in
every report, so an edit to any of these files is seen by all three at once. The digest covers
each file's role, its path inside that role's folder and its bytes, never an absolute path, so a
course checked out elsewhere (a cluster worker, say) gets the same fingerprint. It is recomputed
only when a file's size or modification time changes, so asking for it per submission is cheap.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from autograder.course.assignment import DECLARATION, Assignment


def assignment_fingerprint(assignment: Assignment) -> str:
    """The sha256 hex digest of the assignment's graders folder, declaration and source notebook."""
    return files_fingerprint({
        "graders": Path(assignment.graders_dir),
        "declaration": Path(assignment.graders_dir) / DECLARATION,
        "notebook": Path(assignment.source_notebook),
    })


def grader_version(assignment: Assignment, fingerprint: str | None = None) -> str:
    """The package version plus the assignment's fingerprint (graders, declaration, source notebook): a change regrades."""
    from autograder import __version__

    return f"{__version__}+{(fingerprint or assignment_fingerprint(assignment))[:12]}"


def folder_fingerprint(folder: Path) -> str:
    """The fingerprint of one folder alone (a graders folder run without its assignment, as in tests)."""
    return files_fingerprint({"graders": Path(folder)})


def files_fingerprint(roots: dict[str, Path]) -> str:
    """Digest of every file under each root (a folder or one file), keyed by role; a missing root counts as empty."""
    signature = tuple((role, root, _stat_signature(root)) for role, root in sorted(roots.items()))
    return _digest(signature)


def _stat_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of `root` if it is a file, else of every file under it but __pycache__, in path order."""
    try:
        stat = os.stat(root)
    except OSError:
        return ()
    if not S_ISDIR(stat.st_mode):
        return ((str(root), stat.st_mtime_ns, stat.st_size),) if S_ISREG(stat.st_mode) else ()
    entries: list[tuple[str, int, int]] = []
    _collect(str(root), entries)
    return tuple(sorted(entries, key=lambda entry: Path(entry[0]).parts))


def _collect(folder: str, entries: list[tuple[str, int, int]]) -> None:
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return
    for entry in listing:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _collect(entry.path, entries)
            elif entry.is_file():
                stat = entry.stat()
                entries.append((entry.path, stat.st_mtime_ns, stat.st_size))
        except OSError:
            continue


@lru_cache(maxsize=32)
def _digest(signature: tuple) -> str:
    digest = hashlib.sha256()
    for role, root, entries in signature:
        for name, _, _ in entries:
            path = Path(name)
            inside = path.name if path == root else path.relative_to(root).as_posix()
            try:
                content = path.read_bytes()
            except OSError:
                content = b""
            for part in (role.encode(), inside.encode(), content):
                digest.update(len(part).to_bytes(8, "big"))
                digest.update(part)
    return digest.hexdigest()
