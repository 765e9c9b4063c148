"""The result every check returns: passed or not, a teaching message, and the bug ids that explain it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """What one check found. `message` is written for the student; `bug` is a catalogue id or None.

    `other_bugs` holds further misconceptions when one is not enough to explain the failure (a log
    of a softmax shifted by the batch's max is two bugs, and both need fixing).
    """

    passed: bool
    message: str = ""
    bug: str | None = None
    details: dict = field(default_factory=dict, compare=False)
    other_bugs: tuple[str, ...] = ()

    @classmethod
    def ok(cls, message: str = "") -> "CheckResult":
        return cls(True, message)

    @classmethod
    def fail(cls, message: str, bug: str | None = None, **details) -> "CheckResult":
        return cls(False, message, bug, details)

    def with_diagnosis(self, bug: str, explanation: str) -> "CheckResult":
        """The same failure, now naming (one more) misconception behind it."""
        if self.bug is None:
            return CheckResult(False, f"{self.message}\n{explanation}", bug, self.details)
        if bug == self.bug or bug in self.other_bugs:
            return self
        return CheckResult(False, f"{self.message}\n{explanation}", self.bug, self.details, (*self.other_bugs, bug))

    @property
    def bugs(self) -> tuple[str, ...]:
        return ((self.bug,) if self.bug else ()) + self.other_bugs

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(f"bug:{bug}" for bug in self.bugs)
