"""The parent's side of the wire to the zygote and to each forked child: bounded sends and receives, the child's handle.

Every exchange has a deadline; a zygote or child that misses one raises `ZygoteUnresponsive`, and
prefork.py replaces the zygote. See docs/SANDBOX.md, "Pre-forked sandbox".
"""

from __future__ import annotations

import json
import math
import os
import select
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.sandbox import cgroups

MAX_REPLY_BYTES = 4096


class ZygoteUnresponsive(Exception):
    """The zygote missed a deadline or closed its socket: it is replaced."""


@dataclass
class Zygote:
    """A running zygote sandbox: bwrap's process and the control socket."""

    process: subprocess.Popen
    control: socket.socket
    owner: int  # the pid that started it: a forked grader must not share it
    ready_by: float | None = None  # started but its ready message not yet read: the deadline for it



class ZygoteChild:
    """The parent's handle on one forked child, shaped like the `subprocess.Popen` the session expects.

    `returncode` follows bubblewrap's convention (128 + signal when killed); it comes from the status
    pipe, which the zygote writes and closes once it has reaped the child (whose whole pid namespace is then
    gone), or which reaches end-of-file when the zygote itself dies.
    """

    def __init__(self, status_fd: int, group: cgroups.Cgroup, *, start: socket.socket, limits, zygote: "Zygote",
                 request: int):
        self.status_fd = status_fd
        self.request = request  # the fork request's number, which the zygote's reply repeats
        self.group = group
        self.limits = limits
        self.zygote = zygote
        self.confirmed = False  # whether the zygote's reply to this fork request has been read
        self.returncode: int | None = None
        self.setup_error: str | None = None
        self._start = start
        self._status = b""
        self._status_poller: select.poll | None = None  # asked before every call: made once

    def start(self, submission_file: Path, read_fd: int, write_fd: int, deadline: float) -> None:
        """Hand the waiting child its protocol pipes and its submission; it then loads the cells."""
        submission_fd = os.open(submission_file, os.O_RDONLY | os.O_CLOEXEC)
        try:
            send(self._start, b"go", [read_fd, write_fd, submission_fd], deadline)
        finally:
            os.close(submission_fd)
        self.close_start()

    def close_start(self) -> None:
        if self._start is not None:
            self._start.close()
            self._start = None

    def poll(self) -> int | None:
        if self.returncode is None:
            if self._status_poller is None:
                self._status_poller = select.poll()
                self._status_poller.register(self.status_fd, select.POLLIN)
            if self._status_poller.poll(0):
                self._read()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired("zygote child", timeout)
            if _readable(self.status_fd, remaining):
                self._read()
        if self.setup_error is not None:
            raise SandboxUnavailable(f"the pre-forked sandbox could not set up a child: {self.setup_error}")
        return self.returncode

    def _read(self) -> None:
        chunk = os.read(self.status_fd, 4096)
        if chunk and len(self._status) < 8192:
            self._status += chunk
            return
        if chunk:
            return
        line, _, reason = self._status.partition(b"\n")
        if line == b"setup-failed":
            self.setup_error = reason.decode(errors="replace")[:500] or "unknown"
            self.returncode = 128 + 9
        else:
            self.returncode = int(line) if line.isdigit() else 128 + 9  # no status: the zygote died first


def send(control: socket.socket, data: bytes, fds: list[int], deadline: float) -> None:
    while True:
        if not ready_for(control, select.POLLOUT, deadline):
            raise ZygoteUnresponsive("did not take a request before the deadline")
        try:
            socket.send_fds(control, [data], fds)
            return
        except BlockingIOError:
            continue
        except OSError as error:
            raise ZygoteUnresponsive(f"its socket failed ({error})") from None


def receive(control: socket.socket, deadline: float) -> dict:
    while True:
        if not ready_for(control, select.POLLIN, deadline):
            raise ZygoteUnresponsive("did not answer before the deadline")
        try:
            data = control.recv(MAX_REPLY_BYTES)
        except BlockingIOError:
            continue
        except OSError as error:
            raise ZygoteUnresponsive(f"its socket failed ({error})") from None
        if not data:
            raise ZygoteUnresponsive("it closed its socket")
        try:
            reply = json.loads(data)
        except ValueError:
            raise ZygoteUnresponsive("it sent something that is not a reply") from None
        if not isinstance(reply, dict):
            raise ZygoteUnresponsive("it sent something that is not a reply")
        return reply


def ready_for(control: socket.socket, event: int, deadline: float) -> bool:
    if control.fileno() < 0:
        raise ZygoteUnresponsive("its socket is closed (the zygote was stopped)")
    poller = select.poll()
    poller.register(control, event)
    remaining = deadline - time.monotonic()
    return remaining > 0 and bool(poller.poll(max(1, int(remaining * 1000))))


def _readable(fd: int, timeout: float | None) -> bool:
    """Whether `fd` has data (or end of file) within `timeout` seconds; 0 only looks, None waits for good."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else max(0, math.ceil(timeout * 1000))))


