"""The result every check returns: passed or not, a teaching message, and an optional bug id."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """What one check found. `message` is written for the student; `bug` is a catalogue id or None."""

    passed: bool
    message: str = ""
    bug: str | None = None
    details: dict = field(default_factory=dict, compare=False)

    @classmethod
    def ok(cls, message: str = "") -> "CheckResult":
        return cls(True, message)

    @classmethod
    def fail(cls, message: str, bug: str | None = None, **details) -> "CheckResult":
        return cls(False, message, bug, details)

    def with_diagnosis(self, bug: str, explanation: str) -> "CheckResult":
        """The same failure, now naming the misconception behind it."""
        return CheckResult(False, f"{self.message}\n{explanation}", bug, self.details)

    @property
    def tags(self) -> tuple[str, ...]:
        return (f"bug:{self.bug}",) if self.bug else ()
