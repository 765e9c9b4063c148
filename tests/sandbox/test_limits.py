"""The rlimits and deadlines set inside the sandbox bind the student's code, and only it."""

from __future__ import annotations

import dataclasses
import time

import pytest

from autograder.errors import StudentCrashed, StudentRaised, StudentTimeout
from .conftest import FAST, assert_no_leftovers, session_for

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
    with open(path, "wb") as handle:
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
'''


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


def test_file_size_and_tmp_size(launcher):
    with pytest.raises(StudentRaised, match="File too large"):
        run(launcher, "big_file", "/tmp/a.bin", FAST.file_bytes // 2**20 + 1)
    with pytest.raises(StudentRaised, match="Read-only file system"):
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
