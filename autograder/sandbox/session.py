"""A live sandboxed child for one submission: start it, call into it, restart it after a crash."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from autograder.errors import (
    BadReturnValue,
    InputMutated,
    MissingName,
    Raised,
    StudentCrashed,
    StudentError,
    StudentRaised,
    StudentTimeout,
)
from autograder.submission.extract import Submission
from autograder.sandbox.limits import Limits
from autograder.sandbox.protocol import (
    MAX_BLOBS, Channel, decode_value, encode_value, ready_cell_errors, reply_positions,
)
from autograder.sandbox.launch import Launcher
from autograder.sandbox.policy import select_launcher


MAX_CALLS_PER_EXCHANGE = 32
SCRATCH_ROOT = Path("/dev/shm")


@functools.lru_cache(maxsize=1)
def scratch_root() -> str | None:
    """Where each session writes its submission's file: /dev/shm where it is a writable tmpfs, else the default
    temporary folder. On tmpfs the folder and file made and removed per submission cost no disk inodes
    (on ext4, each new inode meant a search past the recently freed ones)."""
    try:
        usable = SCRATCH_ROOT.is_dir() and os.access(SCRATCH_ROOT, os.W_OK | os.X_OK) and _on_tmpfs(SCRATCH_ROOT)
    except OSError:
        usable = False
    return str(SCRATCH_ROOT) if usable else None


def _on_tmpfs(path: Path) -> bool:
    """Whether `path` is the mount point of a tmpfs, read from this process's mount table."""
    with open("/proc/self/mounts", encoding="utf-8", errors="replace") as mounts:
        return any(fields[1] == str(path) and fields[2] == "tmpfs" for fields in map(str.split, mounts) if len(fields) > 2)


@dataclass(frozen=True)
class CellError:
    cell: int
    type_name: str
    message: str
    traceback_text: str = ""


@dataclass
class LoadReport:
    cell_errors: list[CellError] = field(default_factory=list)


class StudentSession:
    """The parent's handle on one submission's sandboxed child. Not thread-safe; one per worker."""

    def __init__(self, submission: Submission, *, limits: Limits | None = None, launcher: Launcher | None = None):
        self.submission = submission
        self.limits = limits or Limits()
        self.launcher = launcher or select_launcher()
        self.load_report = LoadReport()
        self.calls = 0
        self.restarts = 0
        self._process: subprocess.Popen | None = None
        self._channel: Channel | None = None
        self._workdir: Path | None = None
        self._started_at = time.monotonic()
        self._fatal: StudentError | None = None
        self._ready_deadline: float | None = None  # set while the child loads and we have not yet waited

    @property
    def load_failure(self) -> StudentError | None:
        """Why the submission could not be started, if it could not; every call then raises it."""
        return self._fatal

    @property
    def isolation(self) -> str:
        return self.launcher.isolation

    @property
    def sandbox_start(self) -> str:
        """How the child's sandbox was made: "zygote" (forked, prefork.py) or "fresh" (started for it)."""
        return getattr(self.launcher, "start_mode", "fresh")

    def __enter__(self) -> "StudentSession":
        """Start the child now without waiting for it: it imports numpy while the graders get ready."""
        try:
            self._ensure_spawned()
        except StudentError:
            pass
        return self

    def wait_until_loaded(self) -> None:
        """Wait for the submission to finish loading, so `load_report` and `load_failure` are final."""
        try:
            self._ensure_started()
        except StudentError:
            pass

    def __exit__(self, *exc_info) -> None:
        self.close()

    def call(self, target: str, *args, **kwargs):
        """Call `target` (e.g. "CELoss.forward") in the child; return the parent-rebuilt value."""
        blobs: list[bytes] = []
        header = {
            "op": "call",
            "target": target,
            "args": [encode_value(a, blobs) for a in args],
            "kwargs": {k: encode_value(v, blobs) for k, v in kwargs.items()},
        }
        reply, reply_blobs = self._exchange(target, header, blobs, calls=1)
        return self._interpret(target, reply, reply_blobs)

    def call_many(self, target: str, calls: Sequence[tuple]) -> list:
        """`call(target, *args)` for each args tuple of `calls`, in order, in one exchange with the child.

        The list holds one value per call, up to the first call that failed, which ends it as a
        `Raised` (the child stops there, as a loop of `call` would). Each call has `call_seconds`.
        """
        results: list = []
        for start in range(0, len(calls), MAX_CALLS_PER_EXCHANGE):
            results += self._call_chunk(target, calls[start:start + MAX_CALLS_PER_EXCHANGE])
            if results and isinstance(results[-1], Raised):
                break
        return results

    def _call_chunk(self, target: str, calls: Sequence[tuple]) -> list:
        blobs: list[bytes] = []
        header = {"op": "map", "target": target,
                  "calls": [{"args": [encode_value(a, blobs) for a in args], "kwargs": {}} for args in calls]}
        reply, reply_blobs = self._exchange(target, header, blobs, calls=len(calls))
        replies = reply.get("replies")
        if (not isinstance(replies, list) or not 0 < len(replies) <= len(calls)
                or not all(isinstance(one, dict) for one in replies)):
            self._kill()
            raise BadReturnValue(f"{target} sent a reply the grader does not understand")
        results: list = []
        for one in replies:
            try:
                results.append(self._interpret(target, one, reply_blobs))
            except StudentError as error:
                return results + [Raised(error)]
        if len(results) < len(calls):
            self._kill()  # every call answered but some left out: nothing this child sends can be trusted
            raise BadReturnValue(f"{target} sent fewer replies than it was asked for")
        return results

    def _exchange(self, target: str, header: dict, blobs: list[bytes], *, calls: int) -> tuple[dict, list[bytes]]:
        """Send one request for `calls` calls of `target` and read its reply, within `calls` call deadlines."""
        self._ensure_started()
        self.calls += calls
        deadline = min(time.monotonic() + calls * self.limits.call_seconds, self._submission_deadline())
        try:
            try:
                self._channel.send(header, blobs, deadline)
            except StudentCrashed:  # it died before this call's input reached it: not this call's fault
                self._kill()
                self._ensure_started()
                deadline = min(time.monotonic() + calls * self.limits.call_seconds, self._submission_deadline())
                self._channel.send(header, blobs, deadline)
            try:
                return self._channel.receive(deadline, max_blobs=calls * MAX_BLOBS)
            except BadReturnValue:
                self._kill()  # a refused frame leaves unread bytes on the pipe: the stream cannot be trusted
                raise
        except StudentTimeout:
            self._kill()
            if time.monotonic() >= self._submission_deadline():
                self._fatal = StudentTimeout(
                    f"time limit: the submission used up its {self.limits.submission_seconds:g} s time budget "
                    f"during {target}; the remaining checks were not run"
                )
                raise self._fatal from None
            raise StudentTimeout(
                f"time limit: {target} did not return within {self.limits.call_seconds:g} s. Look for an "
                "infinite loop, or a Python loop over every element where a vectorised numpy operation would do."
            ) from None
        except (StudentCrashed, BadReturnValue) as error:
            if isinstance(error, StudentCrashed) or self._process_dead():
                cause = self._death_cause()  # before _kill(), which forgets the process
                self._kill()
                raise StudentCrashed(f"{target}: {error}. {cause}".strip()) from None
            raise

    def _interpret(self, target: str, reply: dict, blobs: list[bytes]):
        """Turn a reply into a value or a student error; any field of the wrong type is the student's fault."""
        if reply.get("ok") is True:
            try:
                value = decode_value(reply.get("value"), blobs)
                mutated = reply_positions(reply.get("mutated", []))
            except BadReturnValue:
                self._kill()  # a forged or malformed reply: nothing else this child sends can be trusted
                raise
            if mutated:
                raise InputMutated(target, mutated)
            return value
        if isinstance(reply.get("missing"), str):
            raise MissingName(self._missing_message(target, reply["missing"][:80]))
        if isinstance(reply.get("unsupported"), str):
            raise BadReturnValue(
                f"{target} returned {reply['unsupported'][:120]}; return numpy arrays, numpy scalars "
                "or Python numbers (a tuple of them for several outputs)."
            )
        error = reply.get("error")
        if isinstance(error, dict) and all(isinstance(error.get(key, ""), str) for key in ("type", "message", "traceback")):
            raise StudentRaised(
                target,
                error.get("type", "Exception")[:80],
                error.get("message", "")[:500],
                error.get("traceback", "")[:2000],
            )
        self._kill()
        raise BadReturnValue(f"{target} sent a reply the grader does not understand")

    def _missing_message(self, target: str, looked_for: str) -> str:
        """Why `target` is missing: a cell that failed to run comes first, since it usually is the cause."""
        failed = self.load_report.cell_errors
        if failed:
            first = failed[0]
            return (f"{target} is not defined because cell {first.cell} of the submission failed with "
                    f"{first.type_name}: {first.message[:200]}. Fix that cell first: nothing after the error "
                    "in it ran, so what it defines does not exist.")
        return (f"the submission does not define {target} (looked for {looked_for!r}). "
                "Keep the class and method names from the template.")

    def _ensure_started(self) -> None:
        self._ensure_spawned()
        if self._ready_deadline is not None:
            self._await_ready()

    def _ensure_spawned(self) -> None:
        if self._fatal is not None:
            raise self._fatal
        if self._ready_deadline is not None:
            return
        if self._process is not None and self._process_dead():
            self._kill()  # it died after its last reply (e.g. os._exit): restart instead of failing this call
        if self._process is not None:
            return
        if self.restarts > self.limits.max_restarts:
            self._fatal = StudentCrashed(
                f"the submission's process crashed or timed out {self.restarts} times; the remaining "
                "checks were not run"
            )
            raise self._fatal
        if time.monotonic() >= self._submission_deadline():
            self._fatal = StudentTimeout(
                f"time limit: the submission used up its {self.limits.submission_seconds:g} s time budget; "
                "the remaining checks were not run"
            )
            raise self._fatal
        self._start()

    def _start(self) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="autograder-", dir=scratch_root()))
        self._workdir.chmod(0o755)
        submission_file = self._workdir / "submission.json"
        submission_file.write_text(json.dumps({"cells": list(self.submission.cells)}))
        submission_file.chmod(0o644)
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        try:
            self._process = self.launcher.spawn(
                submission_file=submission_file,
                read_fd=to_child_read,
                write_fd=from_child_write,
                limits=self.limits,
            )
        finally:
            os.close(to_child_read)
            os.close(from_child_write)
        self._channel = Channel(from_child_read, to_child_write)
        self._ready_deadline = min(time.monotonic() + self.limits.load_seconds, self._submission_deadline())

    def _await_ready(self) -> None:
        deadline, self._ready_deadline = self._ready_deadline, None
        try:
            ready, _ = self._channel.receive(deadline)
        except StudentTimeout:
            self._kill()
            self._fatal = StudentTimeout(
                f"loading the submission took more than {self.limits.load_seconds:g} s. Remove long "
                "experiments or training loops from the answer cells."
            )
            raise self._fatal from None
        except (StudentCrashed, BadReturnValue):
            cause = self._death_cause()
            self._kill()
            self._fatal = StudentCrashed(f"the submission's process died while loading. {cause}".strip())
            raise self._fatal from None
        try:
            self.load_report = LoadReport([CellError(*fields) for fields in ready_cell_errors(ready)])
        except BadReturnValue as error:
            self._kill()
            self._fatal = BadReturnValue(f"the submission's process sent a malformed load report ({error})")
            raise self._fatal from None

    def _submission_deadline(self) -> float:
        return self._started_at + self.limits.submission_seconds

    def _process_dead(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def _death_cause(self) -> str:
        if self._process is None:
            return ""
        try:
            code = self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return ""
        if code > 128 and self.isolation == "bubblewrap":
            code = 128 - code  # bwrap exits with 128 + the signal that killed the sandboxed command
        out_of_memory = getattr(self.launcher, "out_of_memory", None)
        if code < 0 and out_of_memory is not None and out_of_memory(self._process):
            return (f"The process ended with {signal.Signals(-code).name}: the submission used more than "
                    f"{self.limits.memory_bytes // 2**20} MiB of memory in all (its processes and files together).")
        if code < 0:
            name = signal.Signals(-code).name
            hint = {
                "SIGKILL": "It was killed, usually for using too much memory or CPU time.",
                "SIGXCPU": "It used more CPU time than allowed.",
                "SIGXFSZ": "It wrote a file larger than allowed.",
                "SIGSEGV": "It crashed with a segmentation fault.",
            }.get(name, "")
            return f"The process ended with {name}. {hint}".strip()
        return f"The process exited with status {code}; do not call exit() in your code."

    def _kill(self) -> None:
        if self._process is not None:
            self.launcher.terminate(self._process)
            self.restarts += 1
        self._release()

    def _release(self) -> None:
        if self._channel is not None:
            for fd in (self._channel.read_fd, self._channel.write_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._channel = None
        self._process = None
        self._ready_deadline = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def close(self) -> None:
        if self._process is not None:
            self.launcher.terminate(self._process)
        self._release()
