"""How a child is started: inside bubblewrap when it exists, else as a plain process under rlimits."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Protocol

import numpy

CHILD_SCRIPT = Path(__file__).with_name("child.py")
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8"}


class Launcher(Protocol):
    isolation: str

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen: ...

    def terminate(self, process: subprocess.Popen) -> None: ...


def _apply_rlimits(limits) -> None:
    for which, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))


class PlainLauncher:
    """A child process under rlimits, with no namespaces: the fallback where bubblewrap is missing."""

    isolation = "process"

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen:
        site = str(Path(numpy.__file__).resolve().parent.parent)
        command = [sys.executable, "-I", "-S", str(CHILD_SCRIPT), str(read_fd), str(write_fd), str(submission_file), site]
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(read_fd, write_fd),
            env=dict(CHILD_ENV),
            cwd=str(submission_file.parent),
            start_new_session=True,
            preexec_fn=lambda: _apply_rlimits(limits),
        )

    def terminate(self, process: subprocess.Popen) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def select_launcher() -> Launcher:
    """bubblewrap when a trial sandbox works on this machine (probed once per process), else plain, loudly."""
    from autograder.sandbox.bubblewrap import BubblewrapLauncher, unavailable_reason

    reason = unavailable_reason()
    if reason is None:
        return BubblewrapLauncher()
    warnings.warn(
        f"SANDBOX DISABLED: {reason}. Student code runs as a plain child process under rlimits, WITHOUT "
        "namespace isolation (reports say isolation='process'). Install the Debian package `bubblewrap` "
        "and run `python -m autograder.sandbox.runtime`.",
        RuntimeWarning,
        stacklevel=2,
    )
    return PlainLauncher()
