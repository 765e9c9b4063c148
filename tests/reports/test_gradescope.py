"""The Gradescope zip round trip: unpack it into a mimic of /autograder, run run_autograder, read results.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment
from autograder.frontends.gradescope_zip import build_gradescope_zip
from autograder.course.seeding import SECRET_FILENAME, course_secret, fingerprint, gradescope_secret

REPO = Path(__file__).resolve().parents[2]
CORRECT = REPO / "tests" / "corpus" / "celoss" / "correct" / "vectorised.py"
BUGGY = REPO / "examples" / "class" / "s10-jonas.ipynb"  # no max shift: loses the 3 stability points


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_gradescope_zip(load_assignment("celoss", course_root=REPO), tmp_path_factory.mktemp("zip"))


def test_zip_holds_the_pieces_but_not_the_course_secret(built, tmp_path):
    names = set(built.members)
    assert {"setup.sh", "run_autograder", "requirements.lock", "src/pyproject.toml", "course/nbgrader_config.py",
            "course/solutions/celoss/celoss.ipynb", "src/autograder/grading/engine.py"} <= names
    assert any(name.startswith("course/graders/celoss/test_") for name in names)
    assert not any("__pycache__" in name for name in names)
    with zipfile.ZipFile(built.path) as archive:
        shipped = archive.read(f"course/{SECRET_FILENAME}").decode().strip()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    secret = course_secret(REPO)
    assert bytes.fromhex(shipped) != secret and secret.hex() not in shipped
    assert bytes.fromhex(shipped) == gradescope_secret(secret, "celoss")  # HMAC(course secret, "gradescope:celoss")
    assert built.secret_fingerprint == fingerprint(bytes.fromhex(shipped))
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    again = build_gradescope_zip(load_assignment("celoss", course_root=REPO), tmp_path)
    with zipfile.ZipFile(again.path) as archive:
        assert archive.read(f"course/{SECRET_FILENAME}").decode().strip() == shipped  # every build alike


def test_zip_installs_only_what_grading_needs(built):
    with zipfile.ZipFile(built.path) as archive:
        lock = archive.read("requirements.lock").decode()
        setup = archive.read("setup.sh").decode()
        config = archive.read("course/nbgrader_config.py").decode()
    pins = {line.split("==")[0].lower() for line in lock.splitlines() if "==" in line}
    assert {"numpy", "scipy", "pytest", "traitlets"} <= pins
    assert not pins & {"jupyterlab", "dask", "distributed", "matplotlib", "nbgrader", "notebook", "torch"}
    repo_pins = dict(line.split("==") for line in (REPO / "requirements.lock").read_text().splitlines() if "==" in line)
    for line in lock.splitlines():
        if "==" in line:
            name, version = line.split("==")
            assert repo_pins[name] == version, name  # the same versions the course is tested with
    assert "python3.11" in setup and "AUTOGRADER_WHEELS" in setup
    assert "libseccomp2" in setup and "python3-seccomp" not in setup  # the filter loads libseccomp.so.2 with ctypes
    assert "ln -s" not in setup, "the system's python3 is left alone (Ubuntu's own tools need it)"
    assert "nbgrader" not in config and "c.Autograder.memory_mb" in config


@pytest.mark.slow
def test_a_gradescope_result_is_reproduced_locally(built, tmp_path):
    from autograder.frontends.gradescope_zip import reproduce

    document = run_autograder(built, tmp_path, BUGGY)
    local = reproduce(load_assignment("celoss", course_root=REPO), BUGGY)
    assert local.seed == document["extra_data"]["seed"]
    assert local.score == pytest.approx(document["score"])


def run_autograder(built, tmp_path: Path, submission: Path) -> dict:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    (root / "submission" / submission.name).write_bytes(submission.read_bytes())
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AUTOGRADER_", "PYTHON"))}
    env["AUTOGRADER_GRADESCOPE_ROOT"] = str(root)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def check_schema(document: dict) -> None:
    assert isinstance(document["score"], (int, float)) and isinstance(document["max_score"], (int, float))
    assert document["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    for test in document["tests"]:
        assert {"name", "score", "max_score", "status", "output"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]


@pytest.mark.slow
def test_correct_submission_gets_full_marks(built, tmp_path):
    if not CORRECT.exists():
        pytest.skip("the correct corpus is not there yet")
    document = run_autograder(built, tmp_path, CORRECT)
    check_schema(document)
    assert document["score"] >= document["max_score"] == 10
    assert document["extra_data"]["diagnoses"] in ([], ["not-implemented"])  # the bonus part may be left out


@pytest.mark.slow
def test_buggy_submission_loses_the_stability_points(built, tmp_path):
    document = run_autograder(built, tmp_path, BUGGY)
    check_schema(document)
    assert document["score"] == document["max_score"] - 3
    assert "no-max-shift" in document["extra_data"]["diagnoses"]
    assert any("bug:no-max-shift" in test["tags"] for test in document["tests"] if test["status"] == "failed")


@pytest.mark.slow
def test_the_bundled_package_is_the_one_that_grades(built, tmp_path):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(root / "source")
    env = dict(os.environ, PYTHONPATH=str(root / "source" / "src"))
    where = subprocess.run([sys.executable, "-c", "import autograder.grading.engine as e; print(e.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(root))
