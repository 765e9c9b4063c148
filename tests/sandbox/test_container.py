"""The container tier holds where namespaces are denied: the sandbox suite, rerun inside a simulated container.

The simulation is Docker's default seccomp profile (deny_namespaces.py: unshare, setns, mount and
namespace-creating clone fail with EPERM), so the bubblewrap probe fails on its own and the policy
falls back to the container tier, which then cannot mount its tmpfs either. The rerun happens from a copy of the repository inside a private
(mode 0700) directory, as from a clone in a private home, and runs the whole attack corpus, the
limits and the launcher tests against the tier the product then selects.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import autograder
from autograder.sandbox import policy
from autograder.sandbox.runtime import seccomp_library

REPO = Path(autograder.__file__).resolve().parents[1]
SIMULATED = os.environ.get("AUTOGRADER_SIMULATED_CONTAINER") == "1"
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "out", "build", "__pycache__", ".pytest_cache", "*.egg-info",
                                     "gradebook.db", ".autograder-secret")


def test_inside_a_simulated_container_the_container_tier_is_chosen():
    if not SIMULATED:
        pytest.skip("runs inside the simulated container (test_the_sandbox_suite_holds_in_a_simulated_container)")
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.unshare(0x10000000) == -1 and ctypes.get_errno() == errno.EPERM  # CLONE_NEWUSER
    assert policy.tier_unavailable_reason("bubblewrap") is not None
    assert policy.check_isolation() == "uid"
    assert policy._launcher("uid").private_tmpfs is False, "mount(2) is denied: the temp dir is read-only"


@pytest.mark.slow
def test_the_sandbox_suite_holds_in_a_simulated_container(tmp_path):
    if SIMULATED:
        pytest.skip("already inside the simulated container")
    if seccomp_library() is None or os.geteuid() != 0:
        message = "the simulation needs libseccomp.so.2 and root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    copy = private / "repo"
    shutil.copytree(REPO, copy, ignore=COPY_IGNORE)
    env = {**os.environ, "PYTHONPATH": str(copy), "AUTOGRADER_TEST_TIERS": "uid",
           "AUTOGRADER_SIMULATED_CONTAINER": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop(policy.ISOLATION_ENV, None)
    # Two reruns at once (they mostly wait on deadlines and kills), each with its own range of sandbox uids, so
    # neither one's leftover checks see the other's sandboxes. The attacks keep this worker's range; the rest
    # take one above every range tests/sandbox/conftest.py hands out.
    reruns = [start_rerun(copy, env, ["tests/sandbox/test_attacks.py"]),
              start_rerun(copy, {**env, "AUTOGRADER_SANDBOX_UID_BASE": str(1_400_000 + (os.getpid() % 4096) * 256)},
                          ["tests/sandbox/test_container.py", "tests/sandbox/test_limits.py",
                           "tests/sandbox/test_launcher.py"])]
    deadline = time.monotonic() + 480
    results = [finish_rerun(rerun, deadline) for rerun in reruns]
    tail = "".join((result.stdout + result.stderr)[-1500:] for result in results)
    assert all(result.returncode == 0 for result in results), tail
    counts = [re.search(r"(\d+) passed", result.stdout) for result in results]
    attacks = len(list(Path(__file__).with_name("attacks").glob("*.py")))
    assert all(counts) and sum(int(count.group(1)) for count in counts) > attacks + 10, tail
    assert not any(" failed" in result.stdout for result in results), tail


def start_rerun(copy: Path, env: dict[str, str], modules: list[str]) -> subprocess.Popen:
    """The given sandbox test modules, on the container tier, under the simulated container's seccomp filter."""
    command = [sys.executable, str(copy / "tests/sandbox/deny_namespaces.py"), sys.executable, "-m", "pytest",
               "-q", "-x", "-p", "no:cacheprovider", "-k", "not engine_scores", *modules]
    return subprocess.Popen(command, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_rerun(rerun: subprocess.Popen, deadline: float) -> subprocess.CompletedProcess:
    try:
        stdout, stderr = rerun.communicate(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        rerun.kill()
        stdout, stderr = rerun.communicate()
    return subprocess.CompletedProcess(rerun.args, rerun.returncode, stdout, stderr)
