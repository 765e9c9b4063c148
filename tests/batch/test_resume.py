"""Kill a batch midway, rerun it: every submission ends with one valid result and none is graded twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import CORRECT, NAIVE, REPO, assert_gradescope_results, cli_command, cli_env, run_cli

STUDENTS = 6


def _class(folder: Path) -> list[str]:
    folder.mkdir()
    names = []
    for index in range(STUDENTS):
        name = f"student{index:02d}"
        # a comment makes every file's content (and so its seed) unique
        (folder / f"{name}.py").write_text(f"# {name}\n" + (CORRECT if index % 2 else NAIVE))
        names.append(name)
    return names


def _stamps(out: Path) -> dict[str, tuple[int, int]]:
    return {p.stem: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*.json") if p.stem != "failures"}


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(cli_command(*args), cwd=REPO, env=cli_env(), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_results(out: Path, count: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(_stamps(out)) < count:
        assert process.poll() is None, "the batch finished before it could be killed"
        assert time.monotonic() < deadline, "no results appeared"
        time.sleep(0.05)


def _group_gone(pgid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_resume_after_kill_grades_only_what_is_missing(tmp_path):
    names = _class(tmp_path / "class")
    out = tmp_path / "out"
    args = ("grade", "celoss", str(tmp_path / "class"), "--out", str(out), "--jobs", "2", "--no-progress")
    batch = _start(*args)
    _wait_for_results(out, 2, batch)
    os.killpg(batch.pid, signal.SIGKILL)
    batch.communicate()
    assert _group_gone(batch.pid)
    before = _stamps(out)
    assert 2 <= len(before) < STUDENTS

    rerun = run_cli(*args)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{STUDENTS - len(before)} graded, {len(before)} already up to date" in rerun.stdout
    after = _stamps(out)
    assert sorted(after) == names
    assert {name: after[name] for name in before} == before, "an already-graded submission was graded again"
    for name in names:
        document = json.loads((out / f"{name}.json").read_text())
        assert_gradescope_results(document)
        assert document["score"] == (10.0 if int(name[-2:]) % 2 else 7.0)

    forced = run_cli("grade", "celoss", str(tmp_path / "class" / "student00.py"), "--out", str(out), "--force",
                     "--jobs", "1")
    assert forced.returncode == 0, forced.stderr
    assert "1 graded, 0 already up to date" in forced.stdout
    assert _stamps(out)["student00"] != after["student00"]


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_what_was_graded(tmp_path):
    _class(tmp_path / "class")
    out = tmp_path / "out"
    batch = _start("grade", "celoss", str(tmp_path / "class"), "--out", str(out), "--jobs", "2", "--no-progress")
    _wait_for_results(out, 1, batch)
    os.killpg(batch.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, stderr = batch.communicate(timeout=30)
    assert batch.returncode == 130, stderr
    assert "rerun the same command" in stderr
    assert _group_gone(batch.pid), "a worker outlived the batch"
    for path in out.glob("student*.json"):
        assert_gradescope_results(json.loads(path.read_text()))
