"""The bubblewrap launcher: what the child sees, how it is killed, and the fallback when bwrap is missing."""

from __future__ import annotations

import os
import signal
import threading
import warnings

import pytest

from autograder.sandbox import launch
from autograder.sandbox import bubblewrap
from autograder.sandbox.launch import CHILD_ENV, PlainLauncher, select_launcher
from .conftest import assert_no_leftovers, session_for

VIEW = '''
import os, socket
def view():
    try:
        open("/written", "w")
        root_writable = 1
    except OSError:
        root_writable = 0
    return (os.getuid(), os.getpid(), " ".join(sorted(os.listdir("/"))), " ".join(sorted(os.listdir("/sandbox"))),
            " ".join(sorted(os.environ)), socket.gethostname(), " ".join(n for _, n in socket.if_nameindex()),
            root_writable, len([p for p in os.listdir("/proc") if p.isdigit()]))
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


def test_select_launcher_picks_bubblewrap(launcher):
    chosen = select_launcher()
    assert chosen.isolation == "bubblewrap"


def test_fallback_is_loud_and_says_process(monkeypatch):
    monkeypatch.setattr(bubblewrap, "unavailable_reason", lambda: "bwrap is not installed")
    with pytest.warns(RuntimeWarning, match="SANDBOX DISABLED"):
        chosen = launch.select_launcher()
    assert isinstance(chosen, PlainLauncher) and chosen.isolation == "process"


def test_ci_requires_the_sandbox():
    if os.environ.get("CI") == "true":
        assert bubblewrap.unavailable_reason() is None, "CI must run the real bubblewrap sandbox"


def test_command_isolates_everything(launcher):
    argv = launcher.command(info_fd=9, data_fds={}, submission_file=None)
    for flag in ("--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                 "--unshare-uts", "--die-with-parent", "--new-session", "--clearenv", "--info-fd"):
        assert flag in argv
    assert argv[argv.index("--remount-ro") + 1] == "/"
    assert not any("autograder/" in arg or "secret" in arg or "solutions" in arg for arg in argv)


def test_child_sees_only_the_sandbox(launcher):
    session = session_for(VIEW, launcher)
    try:
        uid, pid, root, sandbox, env, host, nics, writable, procs = session.call("view")
    finally:
        session.close()
    assert uid != 0 and pid <= 3
    assert root == "dev lib lib64 proc sandbox tmp usr"
    assert sandbox == "boot.py child.py site submission.json"
    assert set(env.split()) == set(CHILD_ENV) | {"HOME", "TMPDIR", "PWD"}
    assert host == "sandbox" and nics == "lo" and writable == 0 and procs <= 3
    assert_no_leftovers()


def test_terminate_kills_the_namespace_and_reaps_an_orphaned_init(launcher):
    session = session_for(HOLD, launcher)
    try:
        assert session.call("hold", 5) == 5
        os.kill(session._process.pid, signal.SIGKILL)  # bwrap dies first: its init is orphaned to us
    finally:
        session.close()
    assert_no_leftovers()


def test_parallel_sandboxes_do_not_share_the_process_limit(launcher):
    """RLIMIT_NPROC counts per user namespace: two sandboxes of the same uid each get their own 16."""
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


def test_runtime_is_readable_and_pinned(launcher):
    from autograder.sandbox.runtime import pinned_versions

    assert launcher.runtime.packages == pinned_versions()
    assert os.stat(launcher.runtime.site).st_mode & 0o005 == 0o005
