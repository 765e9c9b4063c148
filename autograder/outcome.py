"""The typed results of grading: one `TestOutcome` per hidden test, one `ScoreReport` per submission."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TestOutcome:
    """One hidden test's result. `error` is None, "student" (scored 0) or "grader" (not scored)."""

    __test__ = False  # not a pytest test class

    name: str
    part: str
    title: str = ""
    points: float = 0.0
    max_points: float = 0.0
    passed: bool = False
    message: str = ""
    tags: tuple[str, ...] = ()
    visibility: str = "visible"
    bonus: bool = False
    error: str | None = None
    duration: float = 0.0


@dataclass(frozen=True)
class ScoreReport:
    """Everything the engine decided about one submission; rendering happens elsewhere."""

    assignment: str
    submission: str
    sha256: str
    seed: int
    isolation: str
    grader_version: str
    tests: tuple[TestOutcome, ...]
    notes: tuple[str, ...] = ()
    execution_time: float = 0.0
    student_id: str | None = None
    source_path: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests if t.error != "grader")

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests if not t.bonus)

    @property
    def grader_errors(self) -> tuple[TestOutcome, ...]:
        return tuple(t for t in self.tests if t.error == "grader")

    @property
    def diagnoses(self) -> tuple[str, ...]:
        """Bug ids found, most frequent first (ties alphabetical); an unattempted bonus part is no bug."""
        counts = Counter(
            tag.removeprefix("bug:") for t in self.tests for tag in t.tags
            if tag.startswith("bug:") and not (t.bonus and tag == "bug:not-implemented")
        )
        return tuple(sorted(counts, key=lambda bug: (-counts[bug], bug)))

    def part_scores(self) -> dict[str, tuple[float, float]]:
        parts: dict[str, tuple[float, float]] = {}
        for t in self.tests:
            got, most = parts.get(t.part, (0.0, 0.0))
            earned = t.points if t.error != "grader" else 0.0
            parts[t.part] = (got + earned, most + t.max_points)
        return parts
