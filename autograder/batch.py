"""Grade many submissions: find them, grade each, write its results file, never stop for a bad one."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

from autograder.course import Assignment
from autograder.engine import grade_path
from autograder.gradescope_json import results_document, write_json_atomic
from autograder.outcome import ScoreReport

SUBMISSION_SUFFIXES = (".ipynb", ".py")


@dataclass(frozen=True)
class SubmissionFile:
    """One file to grade and the name its results go under."""

    path: Path
    name: str
    student_id: str | None = None


@dataclass(frozen=True)
class BatchItem:
    """What became of one submission: a report, or an infrastructure failure (never a score)."""

    source: SubmissionFile
    report: ScoreReport | None
    failure: str | None = None


def find_submissions(paths: list[Path]) -> list[SubmissionFile]:
    """Files as given; folders searched recursively for notebooks and .py files; names made unique."""
    found: list[SubmissionFile] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix in SUBMISSION_SUFFIXES and not _hidden(file, path):
                    found.append(SubmissionFile(file, _name_under(file, path)))
        else:
            found.append(SubmissionFile(path, safe_name(path.stem)))
    return _unique(found)


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in file.relative_to(root).parts)


def _name_under(file: Path, root: Path) -> str:
    relative = file.relative_to(root).with_suffix("")
    return safe_name("__".join(relative.parts))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "submission"


def _unique(files: list[SubmissionFile]) -> list[SubmissionFile]:
    seen: dict[str, int] = {}
    unique = []
    for item in files:
        count = seen.get(item.name, 0)
        seen[item.name] = count + 1
        unique.append(item if not count else SubmissionFile(item.path, f"{item.name}-{count + 1}", item.student_id))
    return unique


def grade_one(assignment: Assignment, source: SubmissionFile, out_dir: Path) -> BatchItem:
    """Grade one file and write `out_dir/<name>.json`; a crash of the grader itself is caught and reported."""
    try:
        report = grade_path(assignment, source.path, name=source.name, student_id=source.student_id)
        write_json_atomic(out_dir / f"{source.name}.json", results_document(report))
        return BatchItem(source, report)
    except Exception:  # noqa: BLE001 - an infrastructure failure must not stop the batch
        return BatchItem(source, None, traceback.format_exc(limit=5))


def grade_all(assignment: Assignment, sources: list[SubmissionFile], out_dir: Path) -> list[BatchItem]:
    return [grade_one(assignment, source, out_dir) for source in sources]
