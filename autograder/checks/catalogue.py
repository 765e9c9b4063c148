"""An assignment's misconception catalogue, read from its declaration: bug ids, their meaning and their fix.

The catalogue lives in `graders/<name>/assignment.toml`, beside the graders that tag the bugs:

    [errors]                    # what the engine saw -> the bug id that explains it
    not_implemented = "not-implemented"
    read_only_write = "mutates-input"
    mutated_input = "mutates-input"

    [bugs.not-implemented]
    misconception = "the stub has not been filled in yet."
    fix = "replace each `raise NotImplementedError` with your implementation."

The engine names no bug id itself: it reports an error's kind (`autograder.errors.error_kind`) and
the catalogue decides which misconception, if any, that kind means for this assignment.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from autograder.course.assignment import DECLARATION
from autograder.errors import GraderError, StudentError, error_kind




@dataclass(frozen=True)
class Bug:
    """One misconception: what the student believed, and what to do instead."""

    id: str
    misconception: str
    fix: str

    def explanation(self) -> str:
        return f"Likely misconception (bug:{self.id}): {self.misconception}\nHow to fix it: {self.fix}"


@dataclass(frozen=True)
class Catalogue:
    """The bugs an assignment's graders may tag, and which error kinds name one of them."""

    bugs: dict[str, Bug] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def explain(self, bug_id: str) -> str:
        """The student-facing explanation of a bug id (an id the catalogue lacks gets a bare tag line)."""
        bug = self.bugs.get(bug_id)
        return bug.explanation() if bug else f"Likely misconception (bug:{bug_id})."

    def bug_for_error(self, error: StudentError) -> str | None:
        """The bug id the catalogue assigns to this kind of student error, if any."""
        kind = error_kind(error)
        return self.errors.get(kind) if kind else None


def load_catalogue(graders_dir: Path) -> Catalogue:
    """The catalogue declared in `graders_dir/assignment.toml` (cached until the file changes)."""
    path = Path(graders_dir) / DECLARATION
    try:
        stat = path.stat()
    except OSError:
        return Catalogue()
    return _load(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load(path: Path, _mtime: int, _size: int) -> Catalogue:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise GraderError(f"cannot read the misconception catalogue in {path}: {error}") from None
    bugs = {}
    for bug_id, entry in (data.get("bugs") or {}).items():
        if not (isinstance(entry, dict) and isinstance(entry.get("misconception"), str) and isinstance(entry.get("fix"), str)):
            raise GraderError(f"{path}: [bugs.{bug_id}] needs the strings misconception and fix")
        bugs[bug_id] = Bug(bug_id, entry["misconception"], entry["fix"])
    errors = data.get("errors") or {}
    if not all(isinstance(k, str) and isinstance(v, str) and v in bugs for k, v in errors.items()):
        raise GraderError(f"{path}: every [errors] entry must name a bug id defined under [bugs]")
    return Catalogue(bugs=bugs, errors=dict(errors))
