"""The pre-forked sandbox: students graded one after another by one zygote share nothing, and none can wedge it."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from autograder.errors import SandboxUnavailable, StudentCrashed
from autograder.sandbox import prefork
from autograder.sandbox.bubblewrap import BubblewrapLauncher
from .conftest import CLEAN, FAST, assert_no_leftovers, preforked, rubric, session_for

KEY = 0x5A17  # SysV IPC key student A claims

# Student A: leaves something in every place it can write, a daemon, an abstract socket and IPC objects.
LITTER = CLEAN.decode() + f'''
import ctypes, os, socket, time
KEY = {KEY}

def writable_mounts():
    points = []
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        if "rw" in fields[5].split(",") and os.path.isdir(fields[4]) and fields[4] != "/proc":
            points.append(fields[4])
    return points

def litter():
    left = []
    for folder in writable_mounts() + [os.getcwd(), "/", "/sandbox", "/dev"]:
        try:
            with open(os.path.join(folder, "left-by-a"), "w") as handle:
                handle.write("a was here")
            left.append(folder)
        except OSError:
            pass
    if os.fork() == 0:  # a daemon, in a session of its own
        os.setsid()
        if os.fork() == 0:
            time.sleep(60)
        os._exit(0)
    global KEEP
    KEEP = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    KEEP.bind("\\0autograder-left-by-a")
    KEEP.listen(1)
    libc = ctypes.CDLL(None, use_errno=True)
    made = [libc.shmget(KEY, 4096, 0o1000 | 0o666) >= 0, libc.msgget(KEY, 0o1000 | 0o666) >= 0,
            libc.semget(KEY, 1, 0o1000 | 0o666) >= 0]
    return len(left), sum(made)
'''

# Student B: the honest twin, plus a look for anything student A left.
LOOK = CLEAN.decode() + f'''
import ctypes, errno, os, socket
KEY = {KEY}

def found():
    files = []
    for line in open("/proc/self/mountinfo"):
        point = line.split()[4]
        if point.startswith("/proc") or not os.path.isdir(point):
            continue
        files += [os.path.join(point, name) for name in os.listdir(point) if "left-by-a" in name]
    others = [pid for pid in os.listdir("/proc") if pid.isdigit() and int(pid) not in (1, os.getpid())]
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.bind("\\0autograder-left-by-a")
        socket_left = 0
    except OSError as error:
        socket_left = int(error.errno == errno.EADDRINUSE)
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_left = (libc.shmget(KEY, 0, 0) >= 0) + (libc.msgget(KEY, 0) >= 0) + (libc.semget(KEY, 0, 0) >= 0)
    shm = sorted(os.listdir("/dev/shm")) + sorted(os.listdir("/tmp"))
    return len(files), len(others), socket_left, ipc_left, len(shm)
'''

# A child looks for the zygote: it is pid 1 of its pid namespace, and alone there.
REACH = CLEAN.decode() + '''
import ctypes, os, signal

def reach():
    pids = sorted(int(pid) for pid in os.listdir("/proc") if pid.isdigit())
    libc = ctypes.CDLL(None, use_errno=True)
    traced = sum(libc.ptrace(16, pid, 0, 0) == 0 for pid in range(2, 128))  # PTRACE_ATTACH to any other pid
    os.kill(1, signal.SIGKILL)  # dropped: pid 1 ignores signals from inside its namespace
    try:
        os.kill(-1, signal.SIGKILL)  # kills nothing but what this child started
    except ProcessLookupError:
        pass
    return pids, os.getpid(), traced
'''


FILL = CLEAN.decode() + '''
import os, signal, time

def fill():
    written = 0
    for folder in ("/tmp", "/dev/shm"):
        try:
            with open(os.path.join(folder, "fill"), "wb") as handle:
                for _ in range(64):
                    handle.write(b"x" * 2**20)
                    written += 1
        except OSError:
            pass
    signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals))  # deaf to every signal it may block
    time.sleep(3600)  # wedged until the grader gives up on it
    return written
'''


@pytest.fixture(scope="module")
def zygote(bwrap):
    return preforked(bwrap)


def test_the_next_student_finds_nothing_the_last_one_left(zygote):
    forked_from = zygote.zygote_pid()
    first = session_for(LITTER, zygote, name="a")
    try:
        assert rubric(first)[0] == 3
        places, ipc_objects = first.call("litter")
    finally:
        first.close()
    assert places >= 2 and ipc_objects == 3, "student A could write /tmp and /dev/shm and make IPC objects"
    second = session_for(LOOK, zygote, name="b")
    try:
        assert rubric(second)[0] == 3
        assert second.call("found") == (0, 0, 0, 0, 0)  # files, processes, socket, IPC, tmpfs entries
    finally:
        second.close()
    assert zygote.zygote_pid() == forked_from is not None, "both students were forked from the same zygote"
    assert_no_leftovers()


def test_a_child_cannot_see_signal_or_trace_the_zygote(zygote):
    session = session_for(REACH, zygote)
    try:
        assert session.call("reach") == ([1], 1, 0)  # alone as pid 1; nothing to trace; still alive
        assert rubric(session)[0] == 3
    finally:
        session.close()
    assert zygote.resident_pids(), "the zygote is still up"
    assert_no_leftovers()


# A child writes a forged "its setup failed" status to every descriptor it may hold, then exits: were the
# status pipe among them, its death would read as the sandbox's failure (a grader error) and not its own.
FORGE = CLEAN.decode() + '''
import os, sys

def forge():
    protocol = {int(sys.argv[1]), int(sys.argv[2])}
    for fd in range(1024):
        if fd not in protocol:
            try:
                os.write(fd, b"setup-failed\\nforged by the student")
            except OSError:
                pass
    os._exit(0)
'''


def test_a_child_cannot_write_its_own_status(zygote):
    session = session_for(FORGE, zygote)
    try:
        assert rubric(session)[0] == 3
        with pytest.raises(StudentCrashed, match="exited with status 0"):
            session.call("forge")
    finally:
        session.close()
    assert_no_leftovers()


def test_a_student_that_fills_its_tmpfs_and_wedges_does_not_break_the_next(zygote):
    wedged = session_for(FILL, zygote, limits=FAST)
    try:
        assert rubric(wedged)[0] == 3
        with pytest.raises(Exception, match="time limit"):
            wedged.call("fill")
    finally:
        wedged.close()
    honest = session_for(CLEAN, zygote)
    try:
        assert rubric(honest)[0] == 3
    finally:
        honest.close()
    assert_no_leftovers()


def test_a_zygote_that_stops_answering_is_replaced(zygote):
    session = session_for(CLEAN, zygote)
    try:
        assert rubric(session)[0] == 3
    finally:
        session.close()
    stopped = zygote.zygote_pid()
    os.kill(stopped, signal.SIGSTOP)
    try:
        for _ in range(2):  # the first takes the spare prepared before the stop; the second finds the zygote stuck
            session = session_for(CLEAN, zygote)
            try:
                assert rubric(session)[0] == 3
            finally:
                session.close()
        assert zygote.zygote_pid() not in (None, stopped), "a new zygote took over"
    finally:
        try:
            os.kill(stopped, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert_no_leftovers()


def test_the_zygote_can_be_switched_off(bwrap, monkeypatch):
    monkeypatch.setenv(prefork.ZYGOTE_ENV, "off")
    launcher = prefork.bubblewrap_launcher()
    assert type(launcher) is BubblewrapLauncher and launcher.start_mode == "fresh"
    session = session_for(CLEAN, launcher)
    try:
        assert rubric(session)[0] == 3 and session.isolation == "bubblewrap"
    finally:
        session.close()
    assert_no_leftovers()


def test_a_child_whose_setup_fails_is_a_grader_error_never_a_score(zygote, monkeypatch):
    monkeypatch.setattr(prefork, "TMP_BYTES", "not a size")  # /tmp cannot be mounted: nothing of the student runs
    launcher = prefork.PreforkedLauncher()
    try:
        assert prefork.trial_child_fails(launcher) is not None, "selection would fall back to a fresh sandbox"
        session = session_for(CLEAN, launcher)
        try:
            with pytest.raises(SandboxUnavailable, match="could not set up a child"):
                session.call("CELoss.forward", np.zeros((2, 3)), np.array([0, 1]))
        finally:
            session.close()
    finally:
        launcher.stop()
    assert_no_leftovers()


NEST = CLEAN.decode() + '''
import ctypes

def nest():
    libc = ctypes.CDLL(None, use_errno=True)
    refused = libc.unshare(0x10000000) != 0 and ctypes.get_errno()
    limit = open("/proc/sys/user/max_user_namespaces").read().strip()
    capabilities = [line.split()[1] for line in open("/proc/self/status") if line.startswith("Cap")]
    return int(refused), limit, " ".join(capabilities)
'''


def test_a_forked_child_has_no_capabilities_and_cannot_nest_namespaces(zygote):
    session = session_for(NEST, zygote)
    try:
        refused, limit, capabilities = session.call("nest")
    finally:
        session.close()
    assert refused == 1 and limit == "0"  # EPERM from seccomp; and no user namespace may be made below it anyway
    assert set(capabilities.split()) == {"0000000000000000"}
    assert_no_leftovers()


class WritableDevLauncher(BubblewrapLauncher):
    """A zygote sandbox whose /dev stays writable: every child would share it, so none may start."""

    def command(self, *, info_fd: int, data_fds: dict[str, int], zygote: bool = False) -> list[str]:
        argv = super().command(info_fd=info_fd, data_fds=data_fds, zygote=zygote)
        at = [i for i, arg in enumerate(argv) if arg == "--remount-ro" and argv[i + 1] == "/dev"][0]
        return argv[:at] + argv[at + 2:]


def test_a_zygote_with_a_shared_writable_mount_is_refused(zygote):
    launcher = prefork.PreforkedLauncher(WritableDevLauncher())
    try:
        reason = prefork.trial_child_fails(launcher)
    finally:
        launcher.stop()
    assert reason is not None and "writable mounts the zygote shares would stay visible: /dev" in reason
    assert_no_leftovers()


class NoNestedUserNamespacesLauncher(BubblewrapLauncher):
    """A zygote sandbox that allows no user namespace inside it, as where nested user namespaces are denied."""

    def command(self, *, info_fd: int, data_fds: dict[str, int], zygote: bool = False) -> list[str]:
        argv = super().command(info_fd=info_fd, data_fds=data_fds, zygote=zygote)
        at = argv.index("--unshare-user")
        return argv[:at + 1] + ["--disable-userns"] + argv[at + 1:]


def test_a_zygote_that_cannot_make_its_own_namespaces_never_starts(zygote):
    if "--disable-userns" not in BubblewrapLauncher().options:
        pytest.skip("this bubblewrap (< 0.8) has no --disable-userns to deny nested user namespaces with")
    launcher = prefork.PreforkedLauncher(NoNestedUserNamespacesLauncher())
    try:
        reason = prefork.trial_child_fails(launcher)
    finally:
        launcher.stop()
    assert reason is not None and "zygote namespaces: unshare user and pid namespaces" in reason
    assert_no_leftovers()
