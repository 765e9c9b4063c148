"""Gradescope's run_autograder on hostile submissions: links, forged replies, junk notebooks; each at most its twin."""

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
from autograder.course.seeding import SECRET_FILENAME

from .conftest import REPO
from .hostile import CORRECT, forged, malformed_notebooks, notebook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_gradescope_zip(load_assignment("celoss", course_root=REPO), tmp_path_factory.mktemp("zip")).path


def run_autograder(bundle: Path, root: Path, fill) -> dict:
    """Unpack the bundle into a mimic of /autograder, let `fill(submission_dir, source_dir)` submit, and grade."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    fill(root / "submission", root / "source")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AUTOGRADER_", "PYTHON"))}
    env["AUTOGRADER_GRADESCOPE_ROOT"] = str(root)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def text_of(document: dict) -> str:
    return json.dumps(document)


def write(name: str, text: str):
    return lambda submission, source: (submission / name).write_text(text)


def link(name: str, target: str):
    return lambda submission, source: (submission / name).symlink_to(source / target)


def linked_folder(submission: Path, source: Path) -> None:
    (submission / "work").symlink_to(source / "course" / "solutions" / "celoss")


CASES = {
    "honest": (write("celoss.ipynb", notebook(CORRECT)), ""),
    "link_to_source": (link("celoss.ipynb", "course/solutions/celoss/celoss.ipynb"), "not a regular file (a symbolic link)"),
    "link_to_secret": (link("celoss.py", f"course/{SECRET_FILENAME}"), "not a regular file (a symbolic link)"),
    "linked_folder": (linked_folder, "No .ipynb or .py file was submitted"),
    "deep_header": (write("celoss.py", forged("deep_header")), "not a grader reply"),
    "nbformat_text": (write("celoss.ipynb", malformed_notebooks()["nbformat_text"]), "its nbformat is '4'"),
}


@pytest.fixture(scope="module")
def results(bundle, tmp_path_factory):
    return {name: run_autograder(bundle, tmp_path_factory.mktemp(name) / "autograder", fill)
            for name, (fill, _) in CASES.items()}


@pytest.mark.parametrize("name", [name for name in CASES if name != "honest"])
def test_each_trick_scores_at_most_its_twin_with_a_clear_message(results, name):
    document = results[name]
    assert results["honest"]["score"] == 10
    assert document["score"] == 0 <= results["honest"]["score"]
    assert CASES[name][1] in text_of(document), text_of(document)[:2000]
    assert "Traceback" not in text_of(document)


def test_results_never_echo_the_bundles_secret_or_the_reference(results, tmp_path_factory, bundle):
    with zipfile.ZipFile(bundle) as archive:
        secret = archive.read(f"course/{SECRET_FILENAME}").decode().strip()
    for name, document in results.items():
        assert secret not in text_of(document), name
        assert "BEGIN SOLUTION" not in text_of(document), name
