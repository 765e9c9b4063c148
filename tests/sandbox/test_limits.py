"""The rlimits, the cgroup caps, the seccomp filter and the deadlines bind the student's code, and only it."""

from __future__ import annotations

import dataclasses
import errno
import re
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.errors import StudentCrashed, StudentRaised, StudentTimeout
from autograder.sandbox import cgroups
from .conftest import FAST, assert_no_leftovers, session_for

BOOT = Path(__file__).resolve().parents[2] / "autograder" / "sandbox" / "boot.py"

PROBES = '''
import os, resource
def limits():
    return tuple(resource.getrlimit(r)[1] for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE,
                 resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC, resource.RLIMIT_CORE))
def allocate(mib):
    return len(bytearray(mib * 2**20))
def forks():
    count = 0
    while True:
        try:
            pid = os.fork()
        except OSError:
            return count
        if pid == 0:
            import time
            time.sleep(30)
            os._exit(0)
        count += 1
def big_file(path, mib):
    with open(path.replace("$TMPDIR", os.environ["TMPDIR"]), "wb") as handle:
        for _ in range(mib):
            handle.write(b"x" * 2**20)
    return mib
def open_files():
    handles = []
    try:
        while True:
            handles.append(open("/sandbox/child.py"))
    except OSError:
        return len(handles)
def spin():
    while True:
        pass
def hogs(count, mib):
    """Fork `count` children that each touch `mib` MiB; return how many hold it at the end, together."""
    import select, time
    read_end, write_end = os.pipe()
    kids = []
    for _ in range(count):
        try:
            pid = os.fork()
        except OSError:
            break
        kids.append(pid)
        if pid == 0:
            block = bytearray(mib * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            os.write(write_end, b"1")
            time.sleep(30)
            os._exit(0)
    os.close(write_end)
    held, deadline = 0, time.monotonic() + 6
    while time.monotonic() < deadline:
        if select.select([read_end], [], [], 0.2)[0]:
            chunk = os.read(read_end, 64)
            if not chunk:
                break
            held += len(chunk)
    alive = sum(os.waitpid(kid, os.WNOHANG) == (0, 0) for kid in kids)
    return min(held, alive)
def fill(path, mib):
    written = 0
    try:
        with open(path.replace("$TMPDIR", os.environ["TMPDIR"]), "wb") as handle:
            for _ in range(mib):
                handle.write(b"x" * 2**20)
                handle.flush()
                written += 1
    except OSError:
        pass
    return written
def fill_many(folder, count, mib):
    """Write `count` files of `mib` MiB each (each under the per-file cap); return the MiB written in all."""
    written = 0
    for index in range(count):
        try:
            with open(f"{folder.replace('$TMPDIR', os.environ['TMPDIR'])}/f{index}.bin", "wb") as handle:
                for _ in range(mib):
                    handle.write(b"x" * 2**20)
                    handle.flush()
                    written += 1
        except OSError:
            break
    return written
def namespaces():
    """errno of each way to make a user namespace (0: it worked)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    results = []
    for number, flags in ((272, 0x10000000), (56, 0x10000000 | 17), (435, 0)):  # unshare, clone, clone3
        ctypes.set_errno(0)
        value = libc.syscall(number, flags, 0, 0, 0, 0)
        if value == 0 and number == 56:
            os._exit(0)  # the child of a clone that went through
        if value > 0:
            os.waitpid(value, 0)
        results.append(0 if value >= 0 else ctypes.get_errno())
    return tuple(results)
def syscalls(names):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    numbers = {"ptrace": 101, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
               "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "mount": 165, "umount2": 166,
               "kexec_load": 246, "kexec_file_load": 320, "userfaultfd": 323, "unshare": 272, "setns": 308,
               "personality": 135}
    results = []
    for name in names:
        ctypes.set_errno(0)
        value = libc.syscall(numbers[name], 0x10000000 if name == "unshare" else 8 if name == "personality" else 0,
                             0, 0, 0, 0)
        results.append(0 if value >= 0 else ctypes.get_errno())
    return tuple(results)
def sockets():
    import socket
    refused = []
    for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                         (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)):
        try:
            socket.socket(family, kind).close()
            refused.append(0)
        except OSError as error:
            refused.append(error.errno)
    left, right = socket.socketpair()
    left.sendall(b"unix")
    return tuple(refused), right.recv(4).decode()
'''
DENIED = ("ptrace", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter",
          "io_uring_register", "mount", "umount2", "kexec_load", "kexec_file_load", "userfaultfd", "unshare", "setns",
          "personality")


def run(launcher, target, *args, limits=FAST):
    session = session_for(PROBES, launcher, limits=limits)
    try:
        return session.call(target, *args)
    finally:
        session.close()
        assert_no_leftovers()


def test_limits_are_set_hard(launcher):
    assert run(launcher, "limits") == (FAST.memory_bytes, FAST.cpu_seconds, FAST.file_bytes, FAST.open_files,
                                       FAST.processes, 0)


def test_address_space(launcher):
    assert run(launcher, "allocate", 64) == 64 * 2**20
    with pytest.raises(StudentRaised, match="MemoryError"):
        run(launcher, "allocate", 2048)


def test_process_limit(launcher):
    assert 10 <= run(launcher, "forks") <= FAST.processes


def writable_temp(launcher) -> bool:
    """False only for the container tier where mount(2) is denied: its temp dir is then read-only."""
    return getattr(launcher, "private_tmpfs", True)


def test_file_size_and_tmp_size(launcher):
    with pytest.raises(StudentRaised, match="File too large" if writable_temp(launcher) else "Permission denied"):
        run(launcher, "big_file", "$TMPDIR/a.bin", FAST.file_bytes // 2**20 + 1)
    with pytest.raises(StudentRaised, match="Read-only file system|Permission denied"):
        run(launcher, "big_file", "/a.bin", 1)


def test_open_files(launcher):
    assert run(launcher, "open_files") < FAST.open_files


def test_cpu_limit_kills(launcher):
    limits = dataclasses.replace(FAST, cpu_seconds=1, call_seconds=10)
    with pytest.raises(StudentCrashed, match="SIGKILL|SIGXCPU"):
        run(launcher, "spin", limits=limits)


def test_call_deadline_is_a_sigkill(launcher):
    started = time.monotonic()
    with pytest.raises(StudentTimeout):
        run(launcher, "spin")
    assert time.monotonic() - started < FAST.call_seconds + 2


def test_denied_syscalls_fail_with_eperm_and_the_child_lives_on(launcher):
    assert run(launcher, "syscalls", DENIED) == (errno.EPERM,) * len(DENIED)


def test_boot_denies_at_least_what_trusted_judges_deny():
    listed = set(re.findall(r'"([a-z0-9_]+)"', BOOT.read_text().split("DENIED_SYSCALLS = (")[1].split(")")[0]))
    assert set(DENIED) - {"personality"} <= listed


def test_sockets_other_than_af_unix_are_refused(launcher):
    refused, echoed = run(launcher, "sockets")
    assert refused == (errno.EPERM,) * 4 and echoed == "unix"


def test_the_whole_sandbox_has_one_memory_cap(launcher):
    """Six children of 300 MiB never all hold their memory under the 1 GiB cap of the whole sandbox."""
    limits = dataclasses.replace(FAST, call_seconds=20)
    try:
        held = run(launcher, "hogs", 6, 300, limits=limits)
    except StudentCrashed:
        return  # the kernel's OOM killer took the parent itself: also within the cap
    assert held * 300 < FAST.memory_bytes // 2**20


def test_nested_user_namespaces_are_refused(launcher):
    assert run(launcher, "namespaces") == (errno.EPERM, errno.EPERM, errno.ENOSYS)


def test_the_temp_dir_is_capped_in_total(launcher):
    """Twenty files of 4 MiB, each under the per-file cap, never hold more than the 32 MiB temp dir; two of 1 MiB fit."""
    assert run(launcher, "fill_many", "$TMPDIR", 20, 4) <= 32
    assert run(launcher, "fill_many", "$TMPDIR", 2, 1) == (2 if writable_temp(launcher) else 0)


def test_dev_shm_and_tmp_are_capped(launcher):
    """bubblewrap: 32 MiB tmpfs each. The container tier has no /dev/shm; its temp dir is a 32 MiB tmpfs."""
    assert run(launcher, "fill", "/dev/shm/fill.bin", 200) <= 32
    assert run(launcher, "fill", "$TMPDIR/fill.bin", 200) <= FAST.file_bytes // 2**20
    if launcher.isolation == "bubblewrap":
        limits = dataclasses.replace(FAST, file_bytes=512 * 2**20)
        assert run(launcher, "fill", "/tmp/fill.bin", 200, limits=limits) <= 32


def test_cgroups_work_here():
    reason = cgroups.unavailable_reason()
    if reason is not None:
        if __import__("os").environ.get("CI") == "true":
            pytest.fail(f"cgroups unavailable in CI: {reason}")
        pytest.skip(f"cgroups unavailable: {reason}")


STALL = '''
import fcntl, json, os, struct, sys, time
read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
fcntl.fcntl(read_fd, 1031, 4096)  # F_SETPIPE_SZ: the smallest input pipe
def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data
os.write(write_fd, frame({"ready": True, "cell_errors": [], "blobs": 0}) + frame({"ok": True, "value": {"t": "f", "v": 0.0}, "blobs": 0}))
time.sleep(3600)
'''


def test_a_child_that_stops_reading_costs_only_the_call_deadline(launcher):
    """Shrunk input pipe, forged replies queued, then sleep: the grader's write is bounded by the call's deadline."""
    session = session_for(STALL, launcher)
    try:
        assert session.call("noop", np.zeros(4)) == 0.0  # the forged reply: the student's own (wrong) answer
        with pytest.raises(StudentTimeout, match="^time limit: noop did not return within 1.5 s"):
            session.call("noop", np.zeros(2**20))
    finally:
        session.close()
    assert_no_leftovers()


DRIP = '''
import os, struct, sys, time
def drip(x):
    write_fd = int(sys.argv[2])
    os.write(write_fd, struct.pack(">I", 1000))  # a header frame of 1000 bytes, sent a byte at a time
    while True:
        os.write(write_fd, b" ")
        time.sleep(0.2)
'''


def test_a_reply_dripped_a_byte_at_a_time_still_ends_at_the_deadline(launcher):
    session = session_for(DRIP, launcher)
    try:
        with pytest.raises(StudentTimeout, match="^time limit: drip did not return within 1.5 s"):
            session.call("drip", np.zeros(3))
    finally:
        session.close()
    assert_no_leftovers()


STREAM = '''
import json, os, struct, sys
def stream(x):
    write_fd = int(sys.argv[2])
    header = json.dumps({"ok": True, "value": {"t": "f", "v": 0.0}, "blobs": 1}).encode()
    os.write(write_fd, struct.pack(">I", len(header)) + header + struct.pack(">I", 60 * 2**20))
    while True:  # a 60 MiB array, a byte per write and no pause: the pipe is never empty for long
        os.write(write_fd, b" ")
'''


def test_a_reply_streamed_without_pause_still_ends_at_the_deadline(launcher):
    """The grader reads whatever is waiting before it polls, so the deadline is checked after every partial read."""
    session = session_for(STREAM, launcher)
    try:
        with pytest.raises(StudentTimeout, match="^time limit: stream did not return within 1.5 s"):
            session.call("stream", np.zeros(3))
    finally:
        session.close()
    assert_no_leftovers()


def test_an_unknown_cgroup_backend_is_refused(monkeypatch):
    monkeypatch.setenv(cgroups.BACKEND_ENV, "v3")
    assert cgroups.unavailable_reason() == "AUTOGRADER_CGROUP_BACKEND='v3' is not one of auto, v1, cgroup2"


def test_empty_cgroups_of_a_killed_grader_are_removed(monkeypatch):
    if cgroups.unavailable_reason() is not None:
        pytest.skip(f"cgroups unavailable: {cgroups.unavailable_reason()}")
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    bases = cgroups._v1_bases() or [cgroups._v2_base()]
    stale = [base / f"sandbox-{dead.pid}-0" for base in bases]
    for directory in stale:
        directory.mkdir(parents=True)
    monkeypatch.setattr(cgroups, "_swept", set())
    cgroups.create(memory_bytes=64 * 2**20, processes=4).remove()
    assert not any(directory.exists() for directory in stale)
