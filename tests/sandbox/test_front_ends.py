"""Every front end fails closed: with no working sandbox it refuses, says why, and exits non-zero.

The sandbox is broken the way a fresh machine is: no bubblewrap and no sandbox runtime, so neither
tier can start. Each front end runs as a real process (the CLI, Gradescope's run_autograder,
`nbgrader autograde`); the Dask and pool workers run `batch.grade_job`, which must raise.
Afterwards, `autograder grade` leaves no sandbox process alive, in either tier.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograder
from autograder.errors import SandboxUnavailable
from autograder.sandbox import policy
from .conftest import CLEAN, real_launcher

REPO = Path(autograder.__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REFUSAL = "refusing to run student code: no sandbox the course allows (isolation='sandbox') works on this machine"
BROKEN = {"AUTOGRADER_BWRAP": "/nonexistent/bwrap", "AUTOGRADER_SANDBOX_RUNTIME": "/nonexistent/sandbox-runtime"}
CLI = [sys.executable, "-c", "from autograder.frontends.cli import main; main()"]


def environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO),
           "OPENBLAS_NUM_THREADS": "1", **extra}
    env.pop(policy.ISOLATION_ENV, None)
    return env


def run(command: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=environment(**extra), capture_output=True, text=True, timeout=300)


@pytest.fixture
def submission(tmp_path) -> Path:
    path = tmp_path / "alice.py"
    path.write_bytes(CLEAN)
    return path


def test_cli_refuses_and_grades_nothing(tmp_path, submission):
    result = run([*CLI, "grade", "celoss", str(submission), "--out", str(tmp_path / "out"), "--no-progress"],
                 cwd=REPO, **BROKEN)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"error: {REFUSAL}" in result.stderr and "--isolation process" in result.stderr
    assert not (tmp_path / "out" / "alice.json").exists()


def test_cli_refuses_a_whole_batch_and_grades_nothing(tmp_path, submission):
    """A folder goes to worker processes, each of which proves the sandbox before its first task."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("alice", "bob", "carol"):
        shutil.copy2(submission, folder / f"{name}.py")
    result = run([*CLI, "grade", "celoss", str(folder), "--out", str(tmp_path / "out"), "--no-progress", "--jobs", "2"],
                 cwd=REPO, **BROKEN)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"error: {REFUSAL}" in result.stderr and "--isolation process" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "feedback").exists() and not list((tmp_path / "out").glob("*.json"))


def test_a_refused_batch_runs_no_line_of_any_submission(tmp_path):
    """Each submission, at import, writes a file outside any sandbox: refused, none of them may have run."""
    folder = tmp_path / "class"
    folder.mkdir()
    marks = tmp_path / "marks"
    marks.mkdir()
    for name in ("alice", "bob", "carol", "dave"):
        code = f"open({str(marks / name)!r}, 'w').write('ran unsandboxed')\n".encode() + CLEAN
        (folder / f"{name}.py").write_bytes(code)
    refused = run([*CLI, "grade", "celoss", str(folder), "--out", str(tmp_path / "out"), "--no-progress", "--jobs", "2"],
                  cwd=REPO, **BROKEN)
    assert refused.returncode == 1 and f"error: {REFUSAL}" in refused.stderr, refused.stdout + refused.stderr
    assert list(marks.iterdir()) == []
    opted_in = run([*CLI, "grade", "celoss", str(folder), "--out", str(tmp_path / "out"), "--no-progress", "--jobs", "2",
                    "--isolation", "process"], cwd=REPO, **BROKEN)
    assert opted_in.returncode == 0, opted_in.stdout + opted_in.stderr
    assert sorted(path.name for path in marks.iterdir()) == ["alice", "bob", "carol", "dave"]  # the probe itself works


def test_cli_grades_without_a_sandbox_only_on_opt_in_and_says_so(tmp_path, submission):
    result = run([*CLI, "grade", "celoss", str(submission), "--out", str(tmp_path / "out"), "--no-progress",
                  "--isolation", "process"], cwd=REPO, **BROKEN)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads((tmp_path / "out" / "alice.json").read_text())
    assert document["extra_data"]["isolation"] == "process"


def test_gradescope_run_autograder_refuses(tmp_path, submission):
    root = tmp_path / "gradescope"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    shutil.copy2(submission, root / "submission" / "celoss.py")
    result = run([sys.executable, "-m", "autograder.frontends.gradescope_run", "--root", str(root), "--assignment", "celoss"],
                 cwd=REPO, AUTOGRADER_COURSE_ROOT=str(REPO), **BROKEN)
    assert result.returncode == 1 and f"error: {REFUSAL}" in result.stderr, result.stdout + result.stderr
    assert not (root / "results" / "results.json").exists()


@pytest.mark.slow
def test_nbgrader_autograde_refuses(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions", root / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(REPO / "graders", root / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    nbgrader = [sys.executable, "-m", "nbgrader"]
    made = run([*nbgrader, "generate_assignment", "celoss", "--force"], cwd=root)
    assert made.returncode == 0, made.stdout + made.stderr
    folder = root / "submitted" / "alice" / "celoss"
    folder.mkdir(parents=True)
    shutil.copy2(root / "assignments" / "celoss" / "celoss.ipynb", folder / "celoss.ipynb")
    result = run([*nbgrader, "autograde", "celoss"], cwd=root, **BROKEN)
    assert result.returncode != 0
    assert REFUSAL in result.stdout + result.stderr


def test_pool_and_dask_workers_raise_the_refusal(monkeypatch, submission):
    """`grade_job` is what both the local pool and a Dask task run: its refusal fails that task, never scores it."""
    from autograder.batch.run import Job, grade_job
    from autograder.submission.collect import SubmissionFile
    from autograder.course.assignment import load_assignment

    monkeypatch.setattr(policy, "tier_unavailable_reason", lambda tier: f"{tier} is broken here")
    monkeypatch.delenv(policy.ISOLATION_ENV, raising=False)
    job = Job(SubmissionFile(submission, "alice"), "0" * 64, submission.stat().st_size)
    with pytest.raises(SandboxUnavailable, match="^refusing to run student code"):
        grade_job(load_assignment("celoss", course_root=REPO), job)


def _processes_of(uids: range) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            uid_line = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) in uids:
            found.append(entry.name)
    return found


OUTLIVING_TIERS = ("bubblewrap", "uid")


def _first_uid(tier: str) -> int:
    """A block of 257 sandbox uids per tier and worker, apart from each other and from tests/sandbox/conftest.py's."""
    return (500000 if tier == "bubblewrap" else 2_600_000) + (os.getpid() % 1000) * 512


@pytest.fixture(scope="module")
def outliving_runs(tmp_path_factory):
    """`autograder grade` on three attacks that try to outlive it and a clean submission, in every tier that can
    run, all started at once: each run mostly waits out its attacks' deadlines. Each tier has its own uids."""
    runs = {}
    for tier in OUTLIVING_TIERS:
        if policy.tier_unavailable_reason(tier) is not None:
            continue  # the tier's test skips (or fails under CI) through real_launcher
        folder = tmp_path_factory.mktemp(f"outliving-{tier}")
        (folder / "alice.py").write_bytes(CLEAN)
        for name in ("daemonize.py", "fork_bomb.py", "sigterm_loop.py"):
            shutil.copy2(Path(__file__).with_name("attacks") / name, folder / name)
        base = _first_uid(tier)
        command = [*CLI, "grade", "celoss", str(folder), "--out", str(folder / "out"), "--no-progress",
                   "--isolation", tier, "-j", "2"]
        env = environment(AUTOGRADER_SANDBOX_UID=str(base), AUTOGRADER_SANDBOX_UID_BASE=str(base + 1))
        runs[tier] = (subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True), folder)
    yield runs
    for process, _ in runs.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("tier", OUTLIVING_TIERS)
def test_no_sandbox_process_outlives_autograder_grade(outliving_runs, tier):
    real_launcher(tier)
    process, folder = outliving_runs[tier]
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stdout + stderr
    assert len(list((folder / "out").glob("*.json"))) >= 4
    base = _first_uid(tier)
    assert _processes_of(range(base, base + 257)) == [], "a sandbox process outlived `autograder grade`"
