"""Late work: nbgrader's timestamp.txt against the course's due date, and nbgrader's late-penalty policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.errors import GraderError

TIMESTAMP_FILE = "timestamp.txt"
POLICIES = ("none", "zero")  # nbgrader's LateSubmissionPlugin.penalty_method values


@dataclass(frozen=True)
class Lateness:
    """When a submission came in, how late it was and what the course's policy takes off for it."""

    submitted_at: str = ""  # as timestamp.txt says it, "" when there is none
    seconds_late: float = 0.0
    penalty: float = 0.0
    problem: str = ""  # a timestamp that cannot be read: said, never guessed

    @property
    def late(self) -> bool:
        return self.seconds_late > 0


def read_submitted_at(submission_file: Path) -> str:
    """The text of timestamp.txt beside a file in nbgrader's submitted/<student>/<assignment>/ layout, or ""."""
    try:
        return (Path(submission_file).parent / TIMESTAMP_FILE).read_text(encoding="utf-8", errors="replace").strip()[:100]
    except OSError:
        return ""


def assess(submitted_at: str, due: datetime | None, policy: str, score: float) -> Lateness:
    """Lateness of one submission; the penalty follows nbgrader: "zero" takes the whole score, "none" nothing."""
    if policy not in POLICIES:
        raise GraderError(f"late-penalty policy {policy!r} is not one of {', '.join(POLICIES)}")
    if not submitted_at or due is None:
        return Lateness(submitted_at=submitted_at)
    from autograder.course.config import parse_timestamp

    try:
        stamp = parse_timestamp(submitted_at, what=TIMESTAMP_FILE)
    except GraderError as error:
        return Lateness(submitted_at=submitted_at, problem=str(error))
    seconds = max(0.0, (stamp - due).total_seconds())
    penalty = score if seconds > 0 and policy == "zero" else 0.0
    return Lateness(submitted_at=submitted_at, seconds_late=seconds, penalty=penalty)


def describe(lateness: Lateness) -> str:
    """"on time", "3h 20m late", or what is wrong with the timestamp."""
    if lateness.problem:
        return lateness.problem
    if not lateness.submitted_at:
        return ""
    if not lateness.late:
        return "on time"
    minutes = int(lateness.seconds_late // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = " ".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "<1m"
    return f"{text} late"
