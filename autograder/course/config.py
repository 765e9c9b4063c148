"""Course settings: the `c.Autograder.*` traits of the course's nbgrader_config.py, read into one frozen value."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from traitlets import Dict, Enum, Float, Int, TraitError, Unicode
from traitlets.config import Configurable

from autograder.errors import GraderError

CONFIG_FILE = "nbgrader_config.py"
LOADING_ENV = "AUTOGRADER_READING_CONFIG"  # set while `autograder` reads the file: no gradebook side effects


class Autograder(Configurable):
    """Every `c.Autograder.<trait>` a course may set; the defaults are what a course without them gets."""

    memory_mb = Int(1024, help="Address-space limit of a student's process, in MiB").tag(config=True)
    cpu_seconds = Int(60, help="CPU-time limit of a student's process, in seconds").tag(config=True)
    wall_seconds = Float(60.0, help="Wall-clock limit for one whole submission, in seconds").tag(config=True)
    jobs = Int(0, help="Submissions graded at once by `autograder grade` (0: one per usable core)").tag(config=True)
    isolation = Enum(
        ["sandbox", "bubblewrap", "uid", "process"], "sandbox",
        help="The least isolation to grade with: sandbox (bubblewrap, else the container tier), bubblewrap, "
             "uid (the container tier) or process (no sandbox: an explicit opt-in). See docs/SANDBOX.md",
    ).tag(config=True)
    secret_file = Unicode(
        ".autograder-secret", help="The course secret that seeds hidden inputs (relative to the course root)"
    ).tag(config=True)
    due_dates = Dict(
        {}, help='Due date per assignment, e.g. {"celoss": "2026-12-08 23:59:00 UTC"}; nbgrader timestamp format'
    ).tag(config=True)
    roster_id_column = Unicode(
        "SIS Login ID", help="The Canvas roster column that holds the nbgrader student id"
    ).tag(config=True)


@dataclass(frozen=True)
class CourseSettings:
    """The course's settings as the engine uses them; `late_penalty` is nbgrader's LateSubmissionPlugin method."""

    course_root: Path
    memory_mb: int = 1024
    cpu_seconds: int = 60
    wall_seconds: float = 60.0
    jobs: int = 0
    isolation: str = "sandbox"
    secret_file: str = ".autograder-secret"
    due_dates: dict[str, str] = field(default_factory=dict)
    roster_id_column: str = "SIS Login ID"
    late_penalty: str = "none"
    gradebook_url: str | None = None  # nbgrader's c.CourseDirectory.db_url, when the course sets one

    @property
    def secret_path(self) -> Path:
        return (self.course_root / self.secret_file).resolve()

    def due_date(self, assignment: str) -> datetime | None:
        """The assignment's due date in UTC, or None when the course sets none."""
        text = self.due_dates.get(assignment)
        return None if text is None else parse_timestamp(text, what=f"c.Autograder.due_dates[{assignment!r}]")

    def report_context(self, assignment: str):
        """What the class reports need from the course: due date, late policy, gradebook."""
        from autograder.reports.standing import CourseContext

        return CourseContext(due=self.due_date(assignment), late_policy=self.late_penalty,
                             gradebook_url=self.gradebook_url)

    def limits(self):
        from autograder.sandbox import Limits

        return Limits(memory_bytes=self.memory_mb * 2**20, cpu_seconds=self.cpu_seconds,
                      submission_seconds=self.wall_seconds)


def parse_timestamp(text: str, *, what: str) -> datetime:
    """nbgrader's timestamp format (timestamp.txt, due dates; as nbgrader.utils.parse_utc reads it) in UTC.

    A naive time means UTC; "2026-12-08 23:59:00 Europe/Berlin" and "... -0500" name their zone.
    """
    import dateutil.parser
    import dateutil.tz

    parts = str(text).strip().split(" ")
    try:
        if len(parts) == 3:
            zone = int(parts[2]) if parts[2].lstrip("+-").isdigit() else dateutil.tz.gettz(parts[2])
            stamp = dateutil.parser.parse(" ".join(parts[:2] + ["TZ"]), tzinfos={"TZ": zone})
        else:
            stamp = dateutil.parser.parse(" ".join(parts))
    except (ValueError, OverflowError, TypeError) as error:
        raise GraderError(f"{what}: cannot read {text!r} as a date and time ({error}); "
                          'write it like "2026-12-08 23:59:00 UTC"') from None
    if stamp.tzinfo is not None:
        stamp = (stamp - stamp.utcoffset()).replace(tzinfo=None)
    return stamp.replace(tzinfo=timezone.utc)


def load_settings(course_root: Path) -> CourseSettings:
    """Read `course_root/nbgrader_config.py` the way nbgrader does; a course without the file gets the defaults."""
    path = Path(course_root) / CONFIG_FILE
    if not path.is_file():
        return CourseSettings(course_root=Path(course_root))
    from traitlets.config.loader import PyFileConfigLoader

    previous = os.environ.get(LOADING_ENV)
    os.environ[LOADING_ENV] = "1"
    try:
        config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    except Exception as error:  # the instructor's file: any failure is theirs to see, plainly
        raise GraderError(f"cannot read the course settings {path}: {type(error).__name__}: {error}") from None
    finally:
        if previous is None:
            os.environ.pop(LOADING_ENV, None)
        else:
            os.environ[LOADING_ENV] = previous
    try:
        traits = Autograder(config=config)
    except TraitError as error:
        raise GraderError(f"cannot read the course settings {path}: {error}") from None
    penalty = config.get("LateSubmissionPlugin", {}).get("penalty_method", "none")
    if penalty not in ("none", "zero"):
        raise GraderError(f"{path}: c.LateSubmissionPlugin.penalty_method must be 'none' or 'zero', not {penalty!r}")
    return CourseSettings(
        course_root=Path(course_root), memory_mb=traits.memory_mb, cpu_seconds=traits.cpu_seconds,
        wall_seconds=traits.wall_seconds, jobs=traits.jobs, isolation=traits.isolation,
        secret_file=traits.secret_file, due_dates=dict(traits.due_dates),
        roster_id_column=traits.roster_id_column, late_penalty=penalty,
        gradebook_url=config.get("CourseDirectory", {}).get("db_url") or None,
    )
