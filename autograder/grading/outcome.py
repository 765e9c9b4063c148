"""The typed results of grading: one `TestOutcome` per hidden test, one `ScoreReport` per submission."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

BUG_PREFIX = "bug:"


class Blame(StrEnum):
    """Who a test's failure is down to: nobody (it ran and was scored), the student (scored 0), the grader (not scored)."""

    NONE = "none"
    STUDENT = "student"
    GRADER = "grader"


@dataclass(frozen=True)
class TestOutcome:
    """One hidden test's result.

    `bugs` holds catalogue bug ids ("no-max-shift"); reports render each as "bug:<id>". `tags` holds any
    other free-form labels and never a "bug:" one, so a diagnosis has exactly one home.
    """

    __test__ = False  # not a pytest test class

    name: str
    part: str
    title: str = ""
    points: float = 0.0
    max_points: float = 0.0
    passed: bool = False
    message: str = ""
    bugs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    visibility: str = "visible"
    bonus: bool = False
    blame: Blame = Blame.NONE
    duration: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.blame, Blame):
            object.__setattr__(self, "blame", Blame(self.blame))
        misplaced = [tag for tag in self.tags if tag.startswith(BUG_PREFIX)]
        if misplaced:
            raise ValueError(f"TestOutcome {self.name!r}: put bug ids in `bugs` (without {BUG_PREFIX!r}), "
                             f"not in `tags`: {misplaced}")
        prefixed = [bug for bug in self.bugs if bug.startswith(BUG_PREFIX)]
        if prefixed:
            raise ValueError(f"TestOutcome {self.name!r}: bug ids carry no {BUG_PREFIX!r} prefix: {prefixed}")

    @property
    def bug_tags(self) -> tuple[str, ...]:
        """The bug ids as reports render them: "bug:<id>"."""
        return tuple(f"{BUG_PREFIX}{bug}" for bug in self.bugs)


@dataclass(frozen=True)
class GraderFailure:
    """The graders, not the student, failed: `name` is the test or grader file, `message` is for the instructor."""

    name: str
    message: str


@dataclass(frozen=True)
class ScoreReport:
    """Everything the engine decided about one submission; rendering happens elsewhere.

    `tests` holds every test that ran, scored or not. `grader_failures` holds what failed outside any
    one test, such as a grader file that pytest could not collect: those tests never ran at all.
    """

    assignment: str
    submission: str
    sha256: str
    seed: int
    isolation: str
    grader_version: str
    tests: tuple[TestOutcome, ...]
    grader_failures: tuple[GraderFailure, ...] = ()
    notes: tuple[str, ...] = ()
    execution_time: float = 0.0
    student_id: str | None = None
    source_path: str | None = None
    submitted_at: str | None = None  # nbgrader's timestamp.txt, as written there, for late work

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests if t.blame is not Blame.GRADER)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests if not t.bonus)

    @property
    def grader_errors(self) -> tuple[GraderFailure, ...]:
        """Every failure of the graders: each test they failed on, then each failure outside the tests."""
        in_tests = tuple(GraderFailure(t.name, t.message) for t in self.tests if t.blame is Blame.GRADER)
        return in_tests + self.grader_failures

    @property
    def diagnoses(self) -> tuple[str, ...]:
        """Bug ids found, most frequent first (ties alphabetical); an unattempted bonus part is no bug."""
        counts = Counter(
            bug for t in self.tests for bug in t.bugs if not (t.bonus and bug == "not-implemented")
        )
        return tuple(sorted(counts, key=lambda bug: (-counts[bug], bug)))

    def part_scores(self) -> dict[str, tuple[float, float]]:
        parts: dict[str, tuple[float, float]] = {}
        for t in self.tests:
            got, most = parts.get(t.part, (0.0, 0.0))
            earned = t.points if t.blame is not Blame.GRADER else 0.0
            parts[t.part] = (got + earned, most + t.max_points)
        return parts
