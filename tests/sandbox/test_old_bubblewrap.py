"""The bubblewrap tier holds with Ubuntu 22.04's bubblewrap 0.6.1, which has no --disable-userns and no --size.

The stand-in (conftest.OLD_BWRAP) is the real bwrap behind a script that omits those options from
`--help` and refuses them. The launcher probes `--help`, leaves them out, and relies on the seccomp
filter to refuse nested user namespaces and on the sandbox's memory cgroup to cap its tmpfs. The
attack corpus and the syscall, socket, process and memory tests run again against it.
"""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from autograder.sandbox import cgroups
from .conftest import FAST
from .test_attacks import canary, clean_baseline, test_attack_gains_nothing  # noqa: F401  (rerun here)
from .test_limits import (  # noqa: F401  (rerun here, against the stand-in)
    run,
    test_denied_syscalls_fail_with_eperm_and_the_child_lives_on,
    test_limits_are_set_hard,
    test_nested_user_namespaces_are_refused,
    test_process_limit,
    test_sockets_other_than_af_unix_are_refused,
    test_the_whole_sandbox_has_one_memory_cap,
)

UNSHARE_USER = ["/usr/bin/python3", "-I", "-S", "-c", "import ctypes, sys; "
                "sys.exit(ctypes.CDLL(None).unshare(0x10000000) != 0)"]  # CLONE_NEWUSER


@pytest.fixture(scope="module")
def launcher(old_bwrap):
    """Every test in this module (the imported ones included) runs against the 0.6.1 stand-in."""
    return old_bwrap


def test_the_stand_in_is_an_old_bubblewrap(old_bwrap_path):
    shown = subprocess.run([str(old_bwrap_path), "--help"], capture_output=True, text=True).stdout
    assert "--ro-bind-data" in shown and "--disable-userns" not in shown and "--size" not in shown
    refused = subprocess.run([str(old_bwrap_path), "--disable-userns", "--ro-bind", "/", "/", "true"],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "Unknown option --disable-userns" in refused.stderr


def test_the_launcher_leaves_out_what_the_old_bubblewrap_lacks(launcher):
    argv = launcher.command(info_fd=9, data_fds={})
    assert "--disable-userns" not in argv and "--size" not in argv
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv


def test_bubblewrap_alone_would_let_a_nested_user_namespace_through(old_bwrap_path):
    """The twin of test_nested_user_namespaces_are_refused: without the filter, 0.6.1 allows one."""
    command = ["--unshare-user", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", *UNSHARE_USER]
    assert subprocess.run([str(old_bwrap_path), *command], capture_output=True).returncode == 0
    real = old_bwrap_path.read_text().split("exec ")[1].split()[0]
    assert subprocess.run([real, "--disable-userns", *command], capture_output=True).returncode != 0


def test_without_size_the_tmpfs_are_capped_by_the_memory_cgroup(launcher):
    """No --size: /dev/shm and /tmp hold at most the sandbox's memory cap (512 MiB here); 8 MiB fit."""
    if cgroups.unavailable_reason() is not None:
        pytest.skip(f"cgroups unavailable: {cgroups.unavailable_reason()}")  # the launcher then refuses (below)
    limits = dataclasses.replace(FAST, memory_bytes=512 * 2**20, call_seconds=20, file_bytes=2**30)
    for folder in ("/dev/shm", "/tmp"):
        assert run(launcher, "fill_many", folder, 2, 4, limits=limits) == 8
        try:
            written = run(launcher, "fill_many", folder, 24, 64, limits=limits)
        except Exception as error:  # noqa: BLE001 - the cgroup's OOM killer ended the sandbox: within the cap
            assert type(error).__name__ == "StudentCrashed", error
        else:
            assert written < 512

