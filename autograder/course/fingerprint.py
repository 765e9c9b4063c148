"""The one fingerprint of what grades an assignment: its graders folder, its declaration and its source notebook.

It keys the runner's collected suite, the reference cache and the grader version recorded in
every report, so an edit to any of these files is seen by all three at once. The digest covers
each file's role, its path inside that role's folder and its bytes, never an absolute path, so a
course checked out elsewhere (a cluster worker, say) gets the same fingerprint. It is recomputed
only when a file's size or modification time changes, so asking for it per submission is cheap.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

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


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _stat_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    entries = []
    for path in _files(root):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


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
