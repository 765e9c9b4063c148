"""Shared by every assignment's corpus tests: a corpus folder's files, their expected tags, many-seed runs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from autograder.errors import StudentError
from autograder.submission.extract import read_submission
from autograder.grading.markers import CheckFailed
from autograder.grading.reference import load_reference
from autograder.grading.runner import StudentProxy
from autograder.sandbox import StudentSession
from autograder.course.seeding import test_rng

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Corpus:
    """`tests/corpus/<assignment>/`: wrong submissions (tagged on their first line) and correct ones."""

    root: Path

    @classmethod
    def of(cls, assignment: str) -> Corpus:
        return cls(ROOT / "tests" / "corpus" / assignment)

    @property
    def wrong(self) -> list[Path]:
        return sorted((self.root / "wrong").glob("*.py"))

    @property
    def correct(self) -> list[Path]:
        return sorted((self.root / "correct").glob("*.py"))


def expected_tags(path: Path) -> set[str]:
    """The `bug:<id>` tags a corpus file's first line (`# expect: bug:<id> ...`) says it must carry."""
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name}: the first line must be '# expect: bug:<id> ...'"
    return set(first.removeprefix("# expect:").split())


def grader_tests(modules: tuple[ModuleType, ...]):
    """Every `test_*` function defined in the given grader modules."""
    for module in modules:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and fn.__module__ == module.__name__:
                yield fn


def failures_on_more_seeds(assignment, path: Path, seeds, modules: tuple[ModuleType, ...]) -> list[str]:
    """The graders of `modules` on one sandbox session, seeded as the engine seeds them, without pytest's overhead."""
    reference = load_reference(assignment)
    failures = []
    with StudentSession(read_submission(path)) as session:
        student = StudentProxy(session.call)
        for seed in seeds:
            for fn in grader_tests(modules):
                rng = test_rng(seed, fn.__name__)
                try:
                    fn(student=student, reference=reference, rng=rng)
                except (CheckFailed, StudentError) as error:
                    failures.append(f"seed {seed} {fn.__name__}: {error}")
    return failures
