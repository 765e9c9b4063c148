"""Which tier runs student code: the strongest that works here, never less than the course asks for.

The one decision every front end shares. The course's setting comes from `--isolation` (which the
CLI exports) or the environment variable AUTOGRADER_ISOLATION:

    sandbox     (default) bubblewrap, else the container tier; refuse when neither works
    bubblewrap  bubblewrap only
    uid         the container tier only (a separate uid in a chroot; for containers without namespaces)
    process     the strongest that works, else a plain child that can read the course: opt-in only

A refusal is `SandboxUnavailable` (an InfrastructureError): front ends let it propagate and exit
non-zero. Each tier is probed once per process with a trial child that loads the seccomp filter
and imports numpy; every report records the tier that ran (`ScoreReport.isolation`).
"""

from __future__ import annotations

import functools
import os
import warnings

from autograder.errors import SandboxUnavailable
from autograder.sandbox.launch import Launcher, PlainLauncher

ISOLATION_ENV = "AUTOGRADER_ISOLATION"
LEVELS = {"sandbox": ("bubblewrap", "uid"), "bubblewrap": ("bubblewrap",), "uid": ("uid",),
          "process": ("bubblewrap", "uid", "process")}
HOW_TO_FIX = (
    "Install what is missing (`scripts/install-system-deps` installs the Debian packages bubblewrap and "
    "libseccomp2; `python -m autograder.sandbox.runtime` builds the sandbox runtime); the container "
    "tier also needs the grader to run as root. To grade WITHOUT isolation anyway (student code can then "
    f"read the course), opt in with `--isolation process` or {ISOLATION_ENV}=process."
)


def requested_isolation(isolation: str | None = None) -> str:
    """The isolation the course asks for: the explicit value, else AUTOGRADER_ISOLATION, else "sandbox"."""
    level = isolation or os.environ.get(ISOLATION_ENV) or "sandbox"
    if level not in LEVELS:
        raise SandboxUnavailable(f"unknown isolation {level!r}; choose one of {', '.join(LEVELS)}")
    return level


def select_launcher(isolation: str | None = None) -> Launcher:
    """The strongest tier that works and that `isolation` allows; SandboxUnavailable when there is none."""
    level = requested_isolation(isolation)
    reasons = []
    for tier in LEVELS[level]:
        reason = tier_unavailable_reason(tier)
        if reason is None:
            if tier == "process":
                warnings.warn(
                    f"SANDBOX DISABLED ({'; '.join(reasons)}): student code runs as a plain child process "
                    "under rlimits, WITHOUT isolation, because the course opted in with isolation='process'. "
                    "Reports say isolation='process'.", RuntimeWarning, stacklevel=3)
            return _launcher(tier)
        reasons.append(f"{tier}: {reason}")
    raise SandboxUnavailable(
        f"refusing to run student code: no sandbox the course allows (isolation={level!r}) works on this "
        f"machine ({'; '.join(reasons)}). {HOW_TO_FIX}"
    )


def use_course_isolation(course_isolation: str) -> None:
    """Make the course's setting the default of every launcher in this process and its workers.

    AUTOGRADER_ISOLATION, when the instructor set it, still wins (so `--isolation` and the environment
    override the course file).
    """
    os.environ.setdefault(ISOLATION_ENV, course_isolation)


def allows(tier: str, isolation: str | None = None) -> bool:
    """Whether a report graded in `tier` meets the isolation asked for ("none": the file never ran)."""
    return tier == "none" or tier in LEVELS[requested_isolation(isolation)]


def check_isolation(isolation: str | None = None) -> str:
    """The tier that would run (for a front end to refuse early); raises SandboxUnavailable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return select_launcher(isolation).isolation


@functools.lru_cache(maxsize=None)
def tier_unavailable_reason(tier: str) -> str | None:
    """None when `tier` works on this machine (probed once per process), else why not."""
    if tier == "bubblewrap":
        from autograder.sandbox.prefork import preforked_launcher, zygote_enabled

        if zygote_enabled() and preforked_launcher() is not None:  # its trial child proves the tier works
            return None
        from autograder.sandbox.bubblewrap import unavailable_reason
    elif tier == "uid":
        from autograder.sandbox.uid import unavailable_reason
    else:
        return None
    return unavailable_reason()


@functools.lru_cache(maxsize=None)
def _launcher(tier: str) -> Launcher:
    if tier == "bubblewrap":
        from autograder.sandbox.prefork import bubblewrap_launcher

        return bubblewrap_launcher()  # pre-forked where it isolates as well, else a fresh sandbox each time
    if tier == "uid":
        from autograder.sandbox.uid import UidLauncher

        return UidLauncher()
    return PlainLauncher()
