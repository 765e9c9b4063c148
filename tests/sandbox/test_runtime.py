"""The sandbox's interpreter: the distribution's python3.<grader minor> when present, else python3; libseccomp found."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograder.sandbox.runtime import describe_system_python, seccomp_library, system_python

MINOR = f"python{sys.version_info.major}.{sys.version_info.minor}"


def test_the_versioned_interpreter_wins_over_python3(tmp_path):
    """As on Ubuntu 22.04 with python3.11 from universe: python3 stays the system's, python3.11 runs the sandbox."""
    (tmp_path / "python3").symlink_to("/bin/true")
    (tmp_path / MINOR).symlink_to(sys.executable)
    assert system_python(tmp_path) == tmp_path / MINOR


def test_without_a_versioned_interpreter_python3_is_used(tmp_path):
    (tmp_path / "python3").symlink_to(sys.executable)
    assert system_python(tmp_path) == tmp_path / "python3"


def test_the_system_python_is_described(tmp_path):
    (tmp_path / "python3").symlink_to(sys.executable)
    facts = describe_system_python(system_python(tmp_path))
    assert tuple(facts["version"]) == sys.version_info[:2] and Path(facts["stdlib"]).is_dir()


def test_no_interpreter_says_what_to_install(tmp_path):
    with pytest.raises(RuntimeError, match=rf"neither /usr/bin/{MINOR} nor /usr/bin/python3 exists: install "
                                           rf"the distribution's {MINOR}"):
        describe_system_python(system_python(tmp_path))


def test_libseccomp_is_found_by_its_c_library():
    found = seccomp_library()
    if found is None:
        pytest.fail("libseccomp.so.2 (package libseccomp2) is missing: apt and systemd depend on it on Debian")
    assert found.name == "libseccomp.so.2"
