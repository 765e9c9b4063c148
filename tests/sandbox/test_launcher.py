"""The tiers: which one is chosen, what the child sees in each, how each is killed, and the refusal."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import pytest

import autograder
from autograder.errors import InfrastructureError, SandboxUnavailable
from autograder.sandbox import policy
from autograder.sandbox.bubblewrap import BubblewrapLauncher
from autograder.sandbox.launch import CHILD_ENV, PlainLauncher
from autograder.sandbox.uid import UID_RANGE
from .conftest import TIERS, assert_no_leftovers, preforked, session_for

REPO = Path(autograder.__file__).resolve().parents[1]
HOST_PATHS = [str(REPO), str(Path(sys.prefix).resolve()), str(Path(tempfile.gettempdir(), "autograder-"))]

VIEW = '''
import os, socket
def view():
    try:
        open("/written", "w")
        root_writable = 1
    except OSError:
        root_writable = 0
    fds = []
    for fd in range(256):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            pass
    try:
        nics = " ".join(sorted(line.split(":")[0].strip() for line in open("/proc/net/dev").readlines()[2:]))
        procs = len([p for p in os.listdir("/proc") if p.isdigit()])
        mounts = open("/proc/self/mountinfo").read()
    except OSError:
        nics, procs, mounts = "", 0, ""
    return (os.getuid(), os.getpid(), " ".join(sorted(os.listdir("/"))), " ".join(sorted(os.listdir("/sandbox"))),
            " ".join(sorted(os.environ)), socket.gethostname(), nics, root_writable, procs, len(fds), mounts,
            os.getcwd(), oct(os.stat(os.getcwd()).st_mode & 0o777), len(os.getgroups()))
'''

HOLD = '''
import os, time
def hold(n):
    kids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        kids.append(pid)
    return len(kids)
'''


def unavailable(monkeypatch, **reasons):
    monkeypatch.setattr(policy, "tier_unavailable_reason", lambda tier: reasons.get(tier))
    monkeypatch.delenv(policy.ISOLATION_ENV, raising=False)


def test_default_is_the_strongest_working_tier(monkeypatch):
    unavailable(monkeypatch)
    assert policy.select_launcher().isolation == "bubblewrap"
    unavailable(monkeypatch, bubblewrap="user namespaces are denied")
    assert policy.select_launcher().isolation == "uid"


def test_no_sandbox_refuses_and_says_why_and_what_to_install(monkeypatch):
    unavailable(monkeypatch, bubblewrap="bubblewrap is not installed (Debian package `bubblewrap`)",
                uid="the container tier must start as root to switch to a sandbox uid")
    with pytest.raises(SandboxUnavailable) as refused:
        policy.select_launcher()
    message = str(refused.value)
    assert isinstance(refused.value, InfrastructureError)
    assert message.startswith("refusing to run student code: no sandbox the course allows (isolation='sandbox') "
                              "works on this machine (bubblewrap: bubblewrap is not installed")
    assert "uid: the container tier must start as root" in message
    for hint in ("scripts/install-system-deps", "libseccomp2", "python -m autograder.sandbox.runtime",
                 "--isolation process", "AUTOGRADER_ISOLATION=process"):
        assert hint in message


def test_a_weaker_tier_runs_only_on_explicit_opt_in(monkeypatch):
    unavailable(monkeypatch, bubblewrap="no bwrap", uid="not root")
    with pytest.raises(SandboxUnavailable):
        policy.select_launcher("bubblewrap")
    with pytest.warns(RuntimeWarning, match="SANDBOX DISABLED"):
        chosen = policy.select_launcher("process")
    assert isinstance(chosen, PlainLauncher) and chosen.isolation == "process"
    monkeypatch.setenv(policy.ISOLATION_ENV, "process")
    with pytest.warns(RuntimeWarning, match="opted in with isolation='process'"):
        assert policy.select_launcher().isolation == "process"
    unavailable(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert policy.select_launcher("process").isolation == "bubblewrap"  # opt-in permits, never prefers, less


def test_an_unknown_isolation_is_refused(monkeypatch):
    monkeypatch.setenv(policy.ISOLATION_ENV, "none")
    with pytest.raises(SandboxUnavailable, match="unknown isolation 'none'; choose one of sandbox, bubblewrap, uid"):
        policy.select_launcher()


def test_ci_requires_every_tier():
    if os.environ.get("CI") == "true":
        for tier in TIERS:
            assert policy.tier_unavailable_reason(tier) is None, f"CI must run the real {tier} sandbox"


def test_the_grader_is_not_a_subreaper(launcher):
    session = session_for(HOLD, launcher)
    try:
        assert session.call("hold", 1) == 1
    finally:
        session.close()
    value = ctypes.c_int(-1)
    assert ctypes.CDLL(None).prctl(37, ctypes.byref(value), 0, 0, 0) == 0  # PR_GET_CHILD_SUBREAPER
    assert value.value == 0


@pytest.mark.parametrize("mode", ["fresh", "zygote"])
def test_command_isolates_everything(bwrap, mode):
    argv = BubblewrapLauncher().command(info_fd=9, data_fds={}, zygote=mode == "zygote")
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                 "--unshare-uts", "--die-with-parent", "--new-session", "--clearenv", "--info-fd"):
        assert flag in argv
    # The zygote makes one user namespace per child; its children's seccomp filter then denies more.
    assert ("--disable-userns" in argv) == (mode == "fresh")
    read_only = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--remount-ro"]
    assert read_only == (["/"] if mode == "fresh" else ["/", "/dev"])
    shm = argv.index("/dev/shm")
    assert argv[shm - 1] == "--tmpfs" and argv[shm - 3] == "--size" and argv.index("--dev") < shm
    assert not any(host in arg for arg in argv for host in HOST_PATHS[:2]), "a bind names the repo or the venv"
    assert not any("secret" in arg or "solutions" in arg or "graders" in arg for arg in argv)


@pytest.mark.parametrize("start", ["fresh", "zygote"])
def test_child_sees_only_the_sandbox(bwrap, fresh_bwrap, start):
    session = session_for(VIEW, preforked(bwrap) if start == "zygote" else fresh_bwrap)
    try:
        uid, pid, root, sandbox, env, host, nics, writable, procs, fds, mounts, cwd, mode, groups = session.call("view")
    finally:
        session.close()
    assert uid != 0 and pid <= 3 and groups == 0
    assert root == "dev lib lib64 proc sandbox tmp usr"
    # A forked child gets its submission as a descriptor; the zygote's script sits beside boot.py.
    assert sandbox == ("boot.py child.py seccomp site submission.json" if start == "fresh" else
                       "boot.py child.py seccomp site zygote.py")
    assert set(env.split()) == set(CHILD_ENV) | {"HOME", "TMPDIR", "PWD"}
    assert host == "sandbox" and nics == "lo" and writable == 0 and procs <= 3
    assert fds == 5, "only stdin, stdout, stderr and the two protocol pipes are open"
    assert mounts and not [host for host in HOST_PATHS if host in mounts], mounts
    assert_no_leftovers()


def test_container_tier_sees_only_its_root(launcher):
    if launcher.isolation != "uid":
        pytest.skip("container tier only")
    session = session_for(VIEW, launcher)
    try:
        uid, _, root, sandbox, env, _, _, writable, procs, fds, _, cwd, mode, groups = session.call("view")
    finally:
        session.close()
    assert uid in UID_RANGE and groups == 0
    assert root == ".stamp box lib lib64 sandbox usr" and sandbox == "boot.py child.py seccomp site"
    assert set(env.split()) == set(CHILD_ENV) | {"HOME", "TMPDIR"}
    assert writable == 0 and procs == 0, "no /proc, and the root is read-only to the sandbox uid"
    assert cwd == f"/box/{uid}/tmp" and mode == ("0o700" if launcher.private_tmpfs else "0o550")
    assert fds == 5, "only stdin, stdout, stderr and the two protocol pipes are open"
    assert not (launcher.root / "box" / str(uid)).exists(), "the sandbox's private dir outlived it"
    assert_no_leftovers()


def test_terminate_kills_the_namespace_even_when_bwrap_died_first(fresh_bwrap):
    session = session_for(HOLD, fresh_bwrap)
    try:
        assert session.call("hold", 5) == 5
        os.kill(session._process.pid, signal.SIGKILL)  # bwrap dies first: its init is orphaned
    finally:
        session.close()
    assert_no_leftovers()


def test_terminate_kills_daemons_of_the_container_tier(launcher):
    if launcher.isolation != "uid":
        pytest.skip("container tier only")
    daemon = HOLD + '''
def daemonize():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(60)
        os._exit(0)
    return 1
'''
    session = session_for(daemon, launcher)
    try:
        assert session.call("daemonize") == 1
    finally:
        session.close()
    assert_no_leftovers()


def test_parallel_sandboxes_do_not_share_the_process_limit(launcher):
    """Each sandbox has its own process cap (user namespace or uid, and cgroup): two each get their own 16."""
    sessions = [session_for(HOLD, launcher) for _ in range(2)]
    results = []
    try:
        threads = [threading.Thread(target=lambda s=s: results.append(s.call("hold", 12))) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for session in sessions:
            session.close()
    assert results == [12, 12]
    assert_no_leftovers()


def test_runtime_is_readable_and_pinned(bwrap):
    from autograder.sandbox.runtime import pinned_versions

    assert bwrap.runtime.packages == pinned_versions()
    assert os.stat(bwrap.runtime.site).st_mode & 0o005 == 0o005


PEEK = '''
import os
def peek(other):
    try:
        with open(f"/box/{other}/submission.json") as handle:
            return handle.read()[:20]
    except OSError as error:
        return error.strerror
def me():
    return os.getuid()
'''


def test_container_sandboxes_cannot_read_each_other(launcher):
    if launcher.isolation != "uid":
        pytest.skip("container tier only")
    first, second = session_for(PEEK, launcher, name="first"), session_for(PEEK, launcher, name="second")
    try:
        mine, theirs = first.call("me"), second.call("me")
        assert mine != theirs
        assert first.call("peek", theirs) == "Permission denied"
        assert second.call("peek", mine) == "Permission denied"
    finally:
        first.close()
        second.close()
    assert_no_leftovers()
