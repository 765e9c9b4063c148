"""The pre-forked bubblewrap tier: one zygote sandbox per grading process forks a fresh child per submission.

The zygote (zygote.py) is a bubblewrap sandbox built like every other (bubblewrap.py) that has
imported numpy once; each submission's child is forked from it into new user, mount, pid, ipc, net,
uts and cgroup namespaces with fresh tmpfs mounts and its own memory + pids cgroup, then gets the
same rlimits and seccomp filter as boot.py (docs/SANDBOX.md, "Pre-forked sandbox").

Used only where it gives that isolation: the bubblewrap tier with a working cgroup and nested user
namespaces, and not switched off with AUTOGRADER_ZYGOTE=off. Elsewhere `bubblewrap_launcher` returns
the plain BubblewrapLauncher (a fresh sandbox per submission); `start_mode` says which ran.
Every exchange with the zygote has a deadline; a zygote that misses one is killed and replaced.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import os
import socket
import subprocess
import time
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.sandbox import cgroups
from autograder.sandbox.bubblewrap import SECCOMP_LIBRARY, SHM_BYTES, TMP_BYTES, BubblewrapLauncher
from autograder.sandbox.launch import boot_limits
from autograder.sandbox.zygote_wire import Zygote, ZygoteChild, ZygoteUnresponsive, receive, send

ZYGOTE_SCRIPT = Path(__file__).with_name("zygote.py")
ZYGOTE_ENV = "AUTOGRADER_ZYGOTE"
START_SECONDS = 30.0  # bwrap plus numpy's import, on a busy machine
REQUEST_SECONDS = 5.0
EXIT_SECONDS = 5.0
ZYGOTE_DEPTH = 3  # below bwrap: its init, the process that made the zygote's namespaces, the zygote
_live: list["PreforkedLauncher"] = []
_request_numbers = itertools.count()


class PreforkedLauncher:
    """Forks each child from a resident zygote sandbox; isolation is the bubblewrap tier's, and stronger.

    While one child is graded the next is already being prepared (a spare: forked, its namespaces
    and mounts made, waiting for its submission), so a spawn only hands the spare its descriptors.
    """

    isolation = "bubblewrap"
    start_mode = "zygote"

    def __init__(self, base: BubblewrapLauncher | None = None):
        if cgroups.unavailable_reason() is not None:
            raise SandboxUnavailable(f"the pre-forked sandbox needs a cgroup per child: {cgroups.unavailable_reason()}")
        self.base = base or BubblewrapLauncher()
        self._zygote: Zygote | None = None
        self._spare: ZygoteChild | None = None
        self._dying: list[ZygoteChild] = []  # killed, not yet gone: see `terminate`
        self._source = ZYGOTE_SCRIPT.read_bytes()
        _live.append(self)

    @property
    def runtime(self):
        return self.base.runtime

    def command(self, *, info_fd: int, data_fds: dict[str, int]) -> list[str]:
        """The zygote sandbox's bwrap argv (the fresh tier's, with nested user namespaces and /dev read-only)."""
        return self.base.command(info_fd=info_fd, data_fds=data_fds, zygote=True)

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> ZygoteChild:
        for _ in range(3):
            child = self._take_spare(limits) or self._prepare(self._running_zygote(limits), limits)
            try:
                self._confirm(child)
                child.start(submission_file, read_fd, write_fd, time.monotonic() + REQUEST_SECONDS)
            except ZygoteUnresponsive:
                if child.confirmed:
                    self._raise_setup_failure(child)  # it was forked but is gone: was its setup refused?
                self.stop()  # a wedged zygote never holds up the next student: start a new one
                self.terminate(child)
                continue
            try:
                self._spare = self._prepare(self._running_zygote(limits), limits)
            except (ZygoteUnresponsive, SandboxUnavailable):
                self._spare = None  # the next spawn prepares one (and replaces the zygote if it must)
            return child
        raise SandboxUnavailable("the pre-forked sandbox did not answer three fork requests in a row")

    def terminate(self, process: ZygoteChild) -> None:
        """SIGKILL every process of the child's cgroup now; their exit is awaited and the cgroup removed later.

        Killing the student's process (pid 1 of its pid namespace, and a member of its cgroup) makes the
        kernel kill everything in that namespace, where every process the student can start lives, so
        nothing of this child runs another instruction once this returns. Waiting for the processes
        to exit (about 9 ms, mostly the kernel unmapping their memory) is left to `_sweep`, which runs
        at every later spawn and terminate, and blocks only in `stop`.
        """
        process.close_start()  # a child still waiting for its submission exits on its own
        if not process.confirmed:
            try:
                self._confirm(process)  # once the zygote has forked it, its processes are in its cgroup
            except (ZygoteUnresponsive, SandboxUnavailable):
                pass
        process.group.kill_members()
        self._dying.append(process)
        self._sweep()

    def _sweep(self, *, wait: bool = False) -> None:
        """Remove the cgroups of terminated children whose processes have all exited (with `wait`: all of them)."""
        dying, self._dying = self._dying, []
        for process in dying:
            if wait:
                process.group.kill_all()
            if process.group.kill_members() or not process.group.remove(EXIT_SECONDS if wait else 0):
                self._dying.append(process)  # still exiting: killed again, and looked at next time
                continue
            try:
                os.close(process.status_fd)
            except OSError:
                pass

    def out_of_memory(self, process: ZygoteChild) -> bool:
        return process.group.out_of_memory()

    def resident_pids(self) -> set[int]:
        """bwrap, its init, the zygote (the process that made its namespaces, and the zygote proper) and the
        waiting spare: the processes that outlive each child by design."""
        zygote = self._zygote
        if zygote is None or zygote.owner != os.getpid():
            return set()
        found = {zygote.process.pid}.union(*_generations(zygote.process.pid, ZYGOTE_DEPTH))
        return found | (self._spare.group.members() if self._spare is not None else set())

    def zygote_pid(self) -> int | None:
        """The host pid of the zygote that forks the children (pid 1 of its own pid namespace), while one runs."""
        zygote = self._zygote
        if zygote is None or zygote.owner != os.getpid():
            return None
        deepest = _generations(zygote.process.pid, ZYGOTE_DEPTH)[-1]
        return deepest[0] if deepest else None

    def stop(self) -> None:
        """Stop the spare and the zygote sandbox (a later spawn starts a new one).

        Children still running from it end with it: they are inside its pid namespace.
        """
        spare, self._spare = self._spare, None
        zygote, self._zygote = self._zygote, None
        if zygote is not None and zygote.owner != os.getpid():
            self._dying = []  # a forked grader's copy of its parent's children: the parent removes them
            return
        if zygote is not None:
            zygote.control.close()
            self.base.terminate(zygote.process)
            if spare is not None:
                self.terminate(spare)
        self._sweep(wait=True)

    def _take_spare(self, limits) -> ZygoteChild | None:
        spare, self._spare = self._spare, None
        zygote = self._zygote
        if spare is None:
            return None
        if (spare.limits == limits and spare.zygote is zygote and zygote.owner == os.getpid()
                and zygote.process.poll() is None):
            return spare
        if zygote is not None and zygote.owner == os.getpid():
            self.terminate(spare)
        return None

    def start_early(self, limits) -> None:
        """Start the zygote sandbox now without waiting for it: it imports numpy while the caller goes on."""
        if self._zygote is None:
            self._zygote = self._launch_zygote(limits)

    def _running_zygote(self, limits) -> Zygote:
        zygote = self._zygote
        if zygote is not None and (zygote.owner != os.getpid() or zygote.process.poll() is not None):
            self.stop()
            zygote = None
        if zygote is None:
            zygote = self._zygote = self._launch_zygote(limits)
        if zygote.ready_by is not None:
            self._await_ready(zygote)
        return zygote

    def _launch_zygote(self, limits) -> Zygote:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            process = self.base._start(limits, "/sandbox/zygote.py", [str(theirs.fileno())], keep_fds=(theirs.fileno(),),
                                       extra_sources={"/sandbox/zygote.py": self._source}, zygote=True)
        finally:
            theirs.close()
        ours.setblocking(False)
        return Zygote(process, ours, os.getpid(), ready_by=time.monotonic() + START_SECONDS)

    def _await_ready(self, zygote: Zygote) -> None:
        try:
            ready = receive(zygote.control, zygote.ready_by)
            if ready.get("ready") is not True:
                raise ZygoteUnresponsive(str(ready.get("error") or "no ready message")[:500])
        except ZygoteUnresponsive as error:
            self._zygote = None
            zygote.control.close()
            self.base.terminate(zygote.process)
            raise SandboxUnavailable(f"the pre-forked sandbox did not start ({error})") from None
        zygote.ready_by = None

    def _prepare(self, zygote: Zygote, limits) -> ZygoteChild:
        """Ask the zygote for a child in a fresh cgroup; it sets itself up and waits for `ZygoteChild.start`.

        The zygote's reply is read by `_confirm`, so a spare's preparation costs the grader no wait.
        """
        try:
            group = cgroups.create(memory_bytes=limits.memory_bytes, processes=limits.processes)
        except cgroups.CgroupUnavailable as error:
            raise SandboxUnavailable(f"cannot make the child's cgroup ({error})") from None
        status_read, status_write = os.pipe()
        start, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        start.setblocking(False)
        passed = [status_write, theirs.detach()]
        try:
            passed += group.open_procs()
            number = next(_request_numbers)
            request = {"id": number, "limits": boot_limits(limits, seccomp_library=SECCOMP_LIBRARY, processes=limits.processes),
                       "tmp_bytes": TMP_BYTES, "shm_bytes": SHM_BYTES}
            send(zygote.control, json.dumps(request).encode(), passed, time.monotonic() + REQUEST_SECONDS)
        except BaseException:
            os.close(status_read)
            start.close()
            group.remove()
            raise
        finally:
            for fd in passed:
                os.close(fd)
        return ZygoteChild(status_read, group, start=start, limits=limits, zygote=zygote, request=number)

    def _raise_setup_failure(self, child: ZygoteChild) -> None:
        """A child that could not take its submission: SandboxUnavailable if its setup failed (never retried)."""
        try:
            child.wait(1.0)
        except subprocess.TimeoutExpired:
            return
        except SandboxUnavailable:
            self.terminate(child)
            raise

    def _confirm(self, child: ZygoteChild) -> None:
        """Read the zygote's answer to the child's fork request (within the deadline)."""
        if child.confirmed:
            return
        deadline = time.monotonic() + REQUEST_SECONDS
        reply = receive(child.zygote.control, deadline)
        while reply.get("id") != child.request:  # the answer for a spare discarded unread
            reply = receive(child.zygote.control, deadline)
        child.confirmed = True
        if reply.get("ok") is not True:
            raise SandboxUnavailable(f"the pre-forked sandbox refused a fork ({str(reply.get('error'))[:300]})")


def _generations(pid: int, depth: int) -> list[list[int]]:
    """The children of `pid`, then their children, and so on for `depth` generations."""
    generations, level = [], [pid]
    for _ in range(depth):
        level = [child for parent in level for child in _children(parent)]
        generations.append(level)
    return generations


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def zygote_enabled() -> bool:
    """Whether the course lets the bubblewrap tier pre-fork (AUTOGRADER_ZYGOTE=off turns it off)."""
    return os.environ.get(ZYGOTE_ENV, "on").lower() not in ("off", "0", "no", "false")


def bubblewrap_launcher() -> BubblewrapLauncher | PreforkedLauncher:
    """The bubblewrap tier's launcher: pre-forked where a trial child passes, else a fresh sandbox each time."""
    return (zygote_enabled() and preforked_launcher()) or BubblewrapLauncher()


@functools.lru_cache(maxsize=1)
def preforked_launcher() -> PreforkedLauncher | None:
    """The pre-forked launcher once a trial child forked from its zygote answered (once per process), else None.

    The trial child sets the rlimits, loads the seccomp filter and imports numpy, so it also proves
    the bubblewrap tier works (policy then skips the fresh sandbox's own probe).
    """
    from autograder.sandbox.limits import Limits

    try:
        launcher = PreforkedLauncher()
        launcher.start_early(Limits())  # it boots while the trial's session imports numpy
    except SandboxUnavailable:
        return None
    if trial_child_fails(launcher) is not None:
        launcher.stop()
        return None
    return launcher


def trial_child_fails(launcher: PreforkedLauncher) -> str | None:
    """Fork one child that imports numpy and wait for its ready message; None when it comes, else why not."""
    from autograder.submission.extract import submission_from_bytes
    from autograder.sandbox.session import StudentSession

    session = StudentSession(submission_from_bytes(b"import numpy\n", name="probe", filename="probe.py"), launcher=launcher)
    try:
        session.wait_until_loaded()
        failure = session.load_failure
        return None if failure is None else str(failure)
    except SandboxUnavailable as error:
        return str(error)
    finally:
        session.close()


@atexit.register
def _stop_all() -> None:
    for launcher in _live:
        launcher.stop()
