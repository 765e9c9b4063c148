"""The one-line meaning of each bug id, from the assignment's misconception catalogue (its assignment.toml)."""

from __future__ import annotations

from pathlib import Path

from autograder.checks.catalogue import load_catalogue
from autograder.course.assignment import load_assignment
from autograder.errors import GraderError


def bug_meanings(assignment: str, bug_ids: list[str], course_root: Path | None = None) -> dict[str, str]:
    """{bug id: one-line meaning} for the ids the catalogue defines; an id it lacks is simply absent."""
    try:
        bugs = load_catalogue(load_assignment(assignment, course_root).graders_dir).bugs
    except GraderError:
        return {}
    return {bug: _first_sentence(bugs[bug].misconception) for bug in bug_ids if bug in bugs}


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return (head + dot.strip())[:200]
