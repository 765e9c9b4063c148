"""Every attack in attacks/ gains nothing: it scores what its CELoss deserves, leaks nothing, leaves nothing."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import autograder
from autograder.errors import SandboxUnavailable
from autograder.submission.extract import read_submission, submission_from_bytes
from autograder.sandbox import StudentSession, policy
from .conftest import CLEAN, FAILED, FAST, TIERS, assert_no_leftovers, attempt, real_launcher, rubric, same_values

ATTACKS = sorted(Path(__file__).with_name("attacks").glob("*.py"))
REPO = Path(autograder.__file__).resolve().parents[1]
HOST_FILES = [Path("/autograder/results/results.json"), REPO / "results.json",
              REPO / "out" / "results.json", Path("/results.json"), Path("/tmp/autograder-pickle-pwned")]
SECRET_MARKERS = [b"HIDDEN TESTS", b"BEGIN SOLUTION", b"def test_", b"-----BEGIN"]
FORBIDDEN_NAMES = ["celoss.ipynb", "graders/celoss", "autograder-secret", "gradebook", "canary"]
HOST_PATHS = [str(REPO), str(Path(sys.prefix).resolve()), str(Path(tempfile.gettempdir(), "autograder-"))]
# Where a tier caps temp space more bluntly, an attack that fills it at import loses its own points (it still
# gains nothing): under a bubblewrap without --size (0.6.1) only the memory cgroup caps /tmp, so filling it
# gets the sandbox OOM-killed; in the container tier where mount(2) is denied the temp dir is read-only, so
# tempfile.gettempdir() raises at import.
WITHOUT_SIZED_TMPFS = {"big_file": 0}
WITHOUT_TEMP_DIR = {"dev_shm_fill": 0}


def expected_points(path: Path, launcher) -> int:
    if "--size" not in getattr(launcher, "options", {"--size"}):
        return WITHOUT_SIZED_TMPFS.get(path.stem, int(header(path, "expect")))
    if not getattr(launcher, "private_tmpfs", True):
        return WITHOUT_TEMP_DIR.get(path.stem, int(header(path, "expect")))
    return int(header(path, "expect"))


def header(path: Path, key: str) -> str:
    for line in path.read_text().splitlines()[:3]:
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path.name} has no '# {key}:' line")


@pytest.fixture(scope="module")
def canary():
    """A fake course secret in a host directory an attacker would look in (never bound into the sandbox)."""
    token = secrets.token_hex(16).encode()
    folder = Path(f"/var/tmp/autograder-canary-{os.getpid()}")
    folder.mkdir(exist_ok=True)
    (folder / ".autograder-secret").write_bytes(token)
    yield token
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def clean_baseline(launcher):
    session = StudentSession(submission_from_bytes(CLEAN, name="clean", filename="clean.py"), limits=FAST,
                             launcher=launcher)
    try:
        points, values = rubric(session)
    finally:
        session.close()
    assert points == 3
    return values


def test_corpus_is_complete():
    assert len(ATTACKS) >= 20
    for path in ATTACKS:
        assert header(path, "attack")
        assert header(path, "expect").isdigit()


@pytest.mark.parametrize("path", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_gains_nothing(path, launcher, listener, canary, clean_baseline):
    before = {f: f.exists() and f.stat().st_mtime for f in HOST_FILES}
    session = StudentSession(read_submission(path), limits=FAST, launcher=launcher)
    try:
        assert session.isolation == launcher.isolation
        points, _ = rubric(session)
        leak = attempt(session, "CELoss.leak")
        reached = attempt(session, "CELoss.phone_home", listener.port)
        escapes = attempt(session, "CELoss.escapes")
        attempt(session, "CELoss.rampage")
        attempt(session, "CELoss.shout")
    finally:
        session.close()

    assert points == expected_points(path, launcher), f"{path.name} scored {points} on the session rubric"
    assert_no_leftovers()
    if leak is not FAILED:
        data = np.asarray(leak).tobytes()
        for marker in [canary, *SECRET_MARKERS]:
            assert marker not in data, f"{path.name} read {marker!r} from inside the sandbox"
        for name in FORBIDDEN_NAMES:
            assert name.encode() not in data, f"{path.name} saw a grader file named like {name!r}"
        for host in HOST_PATHS:
            assert host.encode() not in data, f"{path.name} saw the host path {host!r}"
    assert reached in (FAILED, 0), "the sandbox reached a listener on 127.0.0.1"
    assert listener.connections() == 0
    assert escapes in (FAILED, 0), "the sandbox raised an rlimit or created a user namespace"
    assert {f: f.exists() and f.stat().st_mtime for f in HOST_FILES} == before, "a host file was written"
    gradebook = REPO / "gradebook.db"  # other graders may write it concurrently: look for the attack's payload
    assert not gradebook.exists() or b'"score": 100' not in gradebook.read_bytes()[:4096]

    after = StudentSession(submission_from_bytes(CLEAN, name="clean", filename="clean.py"), limits=FAST,
                           launcher=launcher)
    try:
        points, values = rubric(after)
    finally:
        after.close()
    assert points == 3 and same_values(values, clean_baseline), "a clean submission graded after it changed"
    assert_no_leftovers()


BROKEN_FORWARD = CLEAN.replace(b"        shifted = x - x.max(axis=1, keepdims=True)\n        log_p",
                               b"        raise RuntimeError('broken')\n        log_p", 1)
WRONG = b'''
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x), 0.0
'''
TWINS = {3: CLEAN, 0: WRONG, 1: BROKEN_FORWARD}


@pytest.fixture(scope="module")
def engine():
    grading = pytest.importorskip("autograder.grading.engine")
    from autograder.course.assignment import load_assignment

    assignment = load_assignment("celoss")
    scores = {}

    def grade(submission):
        return grading.grade_submission(assignment, submission, seed=7, limits=FAST)

    def twin_score(expect: int) -> float:
        if expect not in scores:
            scores[expect] = grade(submission_from_bytes(TWINS[expect], name="twin", filename="twin.py")).score
        return scores[expect]

    return grade, twin_score


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", ATTACKS, ids=[p.stem for p in ATTACKS],
)
def test_engine_scores_attack_like_its_celoss(path, engine):
    """End to end: an attack never scores above the same CELoss without the attack; a correct one keeps full marks.

    The twin of an attack whose CELoss is wrong, broken or missing is the plain wrong (or broken-forward)
    CELoss; refused values, crashes and timeouts may cost an attack more than its twin, never less.
    """
    grade, twin_score = engine
    try:
        default_tier = policy.check_isolation()  # the engine's own choice: bubblewrap here, uid in a container
    except SandboxUnavailable:
        default_tier = TIERS[0]
    real_launcher(default_tier)  # skips (fails in CI) with the reason when no tier works
    report = grade(read_submission(path))
    expect = int(header(path, "expect"))
    assert report.isolation == default_tier
    if expect == 3:
        assert report.score == twin_score(3) == report.max_score, f"{path.name}: {report.score}"
    else:
        assert report.score <= twin_score(expect), f"{path.name}: {report.score} > twin {twin_score(expect)}"
    assert_no_leftovers()
