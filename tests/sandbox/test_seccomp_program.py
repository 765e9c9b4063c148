"""The sandbox filter compiled once (`boot.compile_seccomp`, as the pre-forked sandbox does) and loaded from its BPF
program (`boot.load_seccomp_program`) refuses exactly what `boot.load_seccomp` refuses."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import socket
import sys
from pathlib import Path

import pytest

from autograder.sandbox.runtime import seccomp_library

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "autograder" / "sandbox"))
import boot  # noqa: E402  (stdlib only, as inside the sandbox)

sys.path.pop(0)

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def _probe() -> dict:
    """What a process under the filter gets from a few calls: 0 or the errno each fails with."""
    libc = ctypes.CDLL(None, use_errno=True)
    outcome = {}
    for name, flags in (("unshare user", CLONE_NEWUSER), ("unshare net", CLONE_NEWNET)):
        outcome[name] = 0 if libc.unshare(flags) == 0 else ctypes.get_errno()
    outcome["mount"] = 0 if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0 else ctypes.get_errno()
    for name, family in (("inet socket", socket.AF_INET), ("unix socket", socket.AF_UNIX)):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
            outcome[name] = 0
        except OSError as error:
            outcome[name] = error.errno
    outcome["no_new_privs"] = int(Path("/proc/self/status").read_text().split("NoNewPrivs:")[1].split()[0])
    return outcome


def _under(load) -> dict:
    """`_probe()` in a forked child that first calls `load()` (the parent stays unfiltered)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            load()
            os.write(write_fd, json.dumps(_probe()).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    os.waitpid(pid, 0)
    data = os.read(read_fd, 65536)
    os.close(read_fd)
    return json.loads(data)


@pytest.fixture(scope="module")
def library() -> str:
    found = seccomp_library()
    if found is None:
        message = "libseccomp.so.2 is not installed (scripts/install-system-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(found)


def test_the_compiled_program_refuses_what_the_loaded_filter_refuses(library):
    program = boot.compile_seccomp(library)
    assert program and len(program) % 8 == 0
    compiled = _under(lambda: boot.load_seccomp_program(program))
    loaded = _under(lambda: boot.load_seccomp(library))
    assert compiled == loaded
    assert compiled["unshare user"] == compiled["unshare net"] == compiled["mount"] == errno.EPERM
    assert compiled["inet socket"] == errno.EPERM and compiled["unix socket"] == 0
    assert compiled["no_new_privs"] == 1


def test_a_program_that_is_not_bpf_is_refused_and_nothing_is_loaded():
    pid = os.fork()
    if pid == 0:
        try:
            boot.load_seccomp_program(b"\x00" * 8)  # no return instruction: the kernel refuses it
        except boot.SeccompError:
            mode = Path("/proc/self/status").read_text().split("Seccomp:")[1].split()[0]
            os._exit(10 + int(mode))  # "Seccomp: 0": no filter was loaded
        os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 10
