"""What every launcher shares: the Launcher protocol, the child's environment, boot's arguments, the plain tier.

The tiers themselves live beside this file: `bubblewrap.py` (namespaces), `uid.py` (a separate uid,
for containers that deny namespaces) and `PlainLauncher` here (no isolation: opt-in only). Which one
runs is decided in `policy.py`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

CHILD_SCRIPT = Path(__file__).with_name("child.py")
BOOT_SCRIPT = Path(__file__).with_name("boot.py")
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8"}
PROBE_SOURCE = b"import sys\nsys.path.insert(0, '/sandbox/site')\nimport numpy\n"


class Launcher(Protocol):
    isolation: str

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen: ...

    def terminate(self, process: subprocess.Popen) -> None: ...


def boot_limits(limits, *, seccomp_library: str | None, processes: int, require_seccomp: bool = True) -> str:
    """boot.py's first argument: every rlimit (hard = soft) and where libseccomp.so.2 is, as the child sees it."""
    return json.dumps({
        "memory_bytes": limits.memory_bytes, "cpu_seconds": limits.cpu_seconds, "file_bytes": limits.file_bytes,
        "open_files": limits.open_files, "processes": processes, "core_bytes": 0,
        "seccomp_library": seccomp_library,
        "require_seccomp": require_seccomp,
    })


def join_cgroup(procs_fds: list[int]) -> Callable[[], None]:
    """A preexec_fn: the forked child writes itself into each open `cgroup.procs` before it execs."""
    def join() -> None:
        for fd in procs_fds:
            os.write(fd, b"0")
    return join


class PlainLauncher:
    """A child process under rlimits and seccomp, with no namespaces and the grader's uid: opt-in only.

    It can read whatever the grader can read, the course included. `policy.select_launcher` returns
    it only when the instructor asked for `isolation = "process"`, and every report then says so.
    """

    isolation = "process"

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen:
        from autograder.sandbox.runtime import load_runtime, seccomp_library

        runtime = load_runtime()
        seccomp = seccomp_library(runtime.libdir if runtime is not None else None)
        if runtime is not None:
            python, site = str(runtime.python), str(runtime.site)
        else:
            import numpy

            python, site = sys.executable, str(Path(numpy.__file__).resolve().parent.parent)
        command = [python, "-I", "-S", str(BOOT_SCRIPT),
                   boot_limits(limits, seccomp_library=str(seccomp) if seccomp else None, processes=limits.processes,
                               require_seccomp=False),
                   str(CHILD_SCRIPT), str(read_fd), str(write_fd), str(submission_file), site]
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(read_fd, write_fd),
            env=dict(CHILD_ENV),
            cwd=str(submission_file.parent),
            start_new_session=True,
        )

    def terminate(self, process: subprocess.Popen) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
