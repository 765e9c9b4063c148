"""Shared fixtures for the sandbox tests: the real launcher, fast limits, a mini rubric, leftover checks."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

# Sandbox uids of this test run only, so that leftovers of ours are told from other graders' sandboxes.
os.environ.setdefault("AUTOGRADER_SANDBOX_UID_BASE", str(300000 + (os.getpid() % 4096) * 256))

from autograder.errors import SandboxUnavailable, StudentError  # noqa: E402
from autograder.submission.extract import submission_from_bytes  # noqa: E402
from autograder.sandbox import Limits, StudentSession, policy, prefork  # noqa: E402
from autograder.sandbox.uid import UID_RANGE  # noqa: E402

# Every tier the product can select without an opt-in; AUTOGRADER_TEST_TIERS narrows it (the container run).
TIERS = [tier for tier in os.environ.get("AUTOGRADER_TEST_TIERS", "bubblewrap,uid").split(",") if tier]

FAST = Limits(load_seconds=5, call_seconds=1.5, submission_seconds=30, max_restarts=3)
FAILED = object()

CLEAN = b'''
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
'''


def real_launcher(tier: str):
    """The real launcher of `tier`; a tier that cannot run fails in CI (CI=true) and skips elsewhere."""
    reason = policy.tier_unavailable_reason(tier)
    if reason is not None:
        message = f"{tier} sandbox unavailable: {reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must exercise every sandbox tier)")
        pytest.skip(message)
    return policy._launcher(tier)


def preforked(bwrap):
    """The bubblewrap tier's launcher when it is the pre-forked one; skip (fail under CI=true) when not."""
    if getattr(bwrap, "start_mode", "fresh") == "zygote":
        return bwrap
    try:
        reason = prefork.trial_child_fails(prefork.PreforkedLauncher())
    except SandboxUnavailable as error:
        reason = str(error)
    message = f"the pre-forked sandbox does not run here: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must exercise it)")
    pytest.skip(message)


@pytest.fixture(scope="session", params=TIERS)
def launcher(request):
    """Each selectable tier in turn: every test that takes it runs against bubblewrap and the container tier."""
    return real_launcher(request.param)


@pytest.fixture(scope="session")
def bwrap():
    if "bubblewrap" not in TIERS:
        pytest.skip("bubblewrap is not among the tiers under test")
    return real_launcher("bubblewrap")


OLD_BWRAP = """#!/bin/sh
# A stand-in for bubblewrap 0.6.1 (Ubuntu 22.04): the real bwrap without the options added since,
# --size (0.7), --disable-userns and --assert-userns-disabled (0.8): not listed in --help, and refused.
for arg in "$@"; do
  case "$arg" in
    --) break ;;
    --help) {real} --help | grep -v -e '--size' -e '--disable-userns' -e '--assert-userns-disabled'; exit 0 ;;
    --size|--disable-userns|--assert-userns-disabled) echo "bwrap: Unknown option $arg" >&2; exit 1 ;;
  esac
done
exec {real} "$@"
"""


@pytest.fixture(scope="session")
def old_bwrap_path():
    """The path of an executable that behaves like bubblewrap 0.6.1, wrapping the real bwrap."""
    real = shutil.which("bwrap")
    if real is None:
        message = "bubblewrap is not installed (scripts/install-system-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="old-bubblewrap-"))
    folder.chmod(0o755)  # bwrap runs as the sandbox uid when the grader is root
    script = folder / "bwrap"
    script.write_text(OLD_BWRAP.format(real=real))
    script.chmod(0o755)
    yield script
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def old_bwrap(old_bwrap_path):
    """A bubblewrap launcher driving the 0.6.1 stand-in (needs the bubblewrap tier to work here at all)."""
    from autograder.sandbox.bubblewrap import BubblewrapLauncher

    if "bubblewrap" not in TIERS:
        pytest.skip("bubblewrap is not among the tiers under test")
    real_launcher("bubblewrap")
    previous = os.environ.get("AUTOGRADER_BWRAP")
    os.environ["AUTOGRADER_BWRAP"] = str(old_bwrap_path)
    try:
        return BubblewrapLauncher()
    finally:
        if previous is None:
            os.environ.pop("AUTOGRADER_BWRAP")
        else:
            os.environ["AUTOGRADER_BWRAP"] = previous


@pytest.fixture(scope="session")
def fresh_bwrap(bwrap):
    """The bubblewrap tier without the pre-forked sandbox: a fresh sandbox per submission."""
    from autograder.sandbox.bubblewrap import BubblewrapLauncher

    return BubblewrapLauncher()


@pytest.fixture(scope="module", params=["zygote", "fresh"])
def sandbox(request, bwrap, fresh_bwrap):
    """The bubblewrap tier both ways: the pre-forked sandbox and a fresh one per session."""
    return preforked(bwrap) if request.param == "zygote" else fresh_bwrap


def session_for(source: bytes | str, launcher, limits: Limits = FAST, name: str = "sub") -> StudentSession:
    raw = source.encode() if isinstance(source, str) else source
    return StudentSession(submission_from_bytes(raw, name=name, filename=f"{name}.py"), limits=limits, launcher=launcher)


def attempt(session: StudentSession, target: str, *args, **kwargs):
    try:
        return session.call(target, *args, **kwargs)
    except StudentError:
        return FAILED


def reference(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    p[np.arange(len(y)), y] -= 1
    return -log_p[np.arange(len(y)), y].mean(), p / len(y)


def rubric(session: StudentSession) -> tuple[int, list]:
    """Score forward, backward and stability (1 point each) with the parent's numpy; return points and values."""
    rng = np.random.default_rng(1234)
    cases = [(3 * rng.standard_normal((n, c)), rng.integers(0, c, size=n)) for n, c in [(7, 5), (1, 3), (12, 2)]]
    values, points = [], 0
    passed = True
    for x, y in cases:
        got = attempt(session, "CELoss.forward", x, y)
        values.append(got)
        passed = passed and _is_scalar(got) and bool(np.isclose(float(got), reference(x, y)[0], rtol=1e-10, atol=1e-15))
        if not passed:
            break
    points += passed
    passed = True
    for x, y in cases:
        got = attempt(session, "CELoss.backward", x, y, 0.37)
        values.append(got)
        ok = isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], np.ndarray) and got[0].shape == x.shape
        passed = passed and ok and bool(np.allclose(got[0], 0.37 * reference(x, y)[1], rtol=1e-7, atol=1e-12))
        if not passed:
            break
    points += passed
    x, y = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]]), np.array([0, 2])
    got = attempt(session, "CELoss.forward", x, y)
    values.append(got)
    points += _is_scalar(got) and bool(np.isfinite(got) and np.isclose(float(got), np.log(3) / 2, rtol=1e-12))
    return points, values


def _is_scalar(value) -> bool:
    return value is not FAILED and type(value) in (float, int, np.float64, np.float32) and np.ndim(value) == 0


def same_values(first: list, second: list) -> bool:
    if len(first) != len(second):
        return False
    for a, b in zip(first, second):
        if isinstance(a, tuple):
            if not (isinstance(b, tuple) and all(np.array_equal(u, v) for u, v in zip(a, b))):
                return False
        elif not np.array_equal(a, b):
            return False
    return True


_BASELINE: set[int] = set()


@pytest.fixture(autouse=True)
def process_baseline():
    """Descendants that existed before the test (other suites' helpers, multiprocessing's tracker) are not leftovers."""
    _BASELINE.clear()
    _BASELINE.update(_descendants())
    yield


def leftovers() -> list[str]:
    """Descendants of this process (sandboxes, bwrap, daemons re-parented to us) and our zombie children.

    Other graders may be running sandboxes under the same uid on this machine, so only our own
    process tree is inspected (the container tier's uids are this run's own, and are checked
    machine-wide by `container_tier_processes`). Processes present when the test started are not
    counted.
    """
    resident = resident_zygote_pids()
    return [line for pid, line in _descendants().items() if pid not in _BASELINE and pid not in resident]


def resident_zygote_pids() -> set[int]:
    """The pre-forked sandbox's bwrap, init and zygote (and its spare), which stay up between students by design."""
    return {pid for launcher in prefork._live for pid in launcher.resident_pids()}


def _descendants() -> dict[int, str]:
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":\t", 1) for line in (entry / "status").read_text().splitlines() if ":\t" in line)
        except (OSError, ValueError):
            continue
        table[int(entry.name)] = (fields.get("Name", ""), fields.get("State", "").strip(), int(fields.get("PPid", "0")),
                                  int(fields.get("Uid", "0").split()[0]))
    me, found = os.getpid(), {}
    for pid, (name, state, ppid, uid) in table.items():
        chain, seen = ppid, set()
        while chain not in (0, me) and chain in table and chain not in seen:
            seen.add(chain)
            chain = table[chain][2]
        if chain == me:
            found[pid] = f"pid {pid} {name} uid {uid} state {state} ppid {ppid}"
    return found


def container_tier_processes() -> list[str]:
    """Live processes owned by this run's container-tier uids (daemons re-parented away from us included)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = dict(line.split(":\t", 1) for line in (entry / "status").read_text().splitlines() if ":\t" in line)
        except (OSError, ValueError):
            continue
        if int(fields.get("Uid", "0").split()[0]) in UID_RANGE and not fields.get("State", "").startswith("Z"):
            found.append(f"pid {entry.name} {fields.get('Name', '')} uid {fields['Uid'].split()[0]}")
    return found


def assert_no_leftovers(timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while ((left := leftovers() + container_tier_processes())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes left behind: {left}"


class Listener:
    """A TCP listener on 127.0.0.1 (loopback only) that records whether anyone connected."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                connection, _ = self.socket.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.socket.close()
