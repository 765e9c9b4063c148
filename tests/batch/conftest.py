"""Shared fixtures for the batch tests: the real celoss assignment and a few small student programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment

CORRECT = '''import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_probs[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        return probs * (dout / len(y)), np.zeros(y.shape, dtype=x.dtype)
'''

NAIVE = '''import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        return -np.log(probs[np.arange(len(y)), y]).mean()

    @staticmethod
    def backward(x, y, dout):
        probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        return probs * (dout / len(y)), np.zeros(y.shape, dtype=x.dtype)
'''


def notebook(*cells: str, nbformat: int = 4) -> str:
    """A minimal notebook whose code cells hold `cells`."""
    code = [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells]
    return json.dumps({"cells": code, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5})


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def celoss():
    return load_assignment("celoss", REPO)


def comparable(document: dict) -> dict:
    """A results document without the one field that legitimately differs between runs: timing."""
    document = json.loads(json.dumps(document))
    document.pop("execution_time", None)
    for test in document["tests"]:
        test.pop("execution_time", None)
    report = document.get("extra_data", {}).get("score_report", {})
    report.pop("execution_time", None)
    for test in report.get("tests", []):
        test.pop("duration", None)
    return document


def run_cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """`autograder ARGS...` in a subprocess, from the repository root, output captured."""
    return subprocess.run(cli_command(*args), capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env=cli_env(), **kwargs)


def cli_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("autograder")), *args]


def cli_env() -> dict[str, str]:
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1"}


VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_results(document: dict) -> None:
    """The fields and types Gradescope's results.json specification requires of us."""
    assert isinstance(document["score"], (int, float)) and not isinstance(document["score"], bool)
    assert isinstance(document["max_score"], (int, float))
    assert isinstance(document["execution_time"], (int, float))
    assert isinstance(document["output"], str)
    assert document["visibility"] in VISIBILITIES and document["stdout_visibility"] in VISIBILITIES
    assert document["tests"], "a results file lists every test"
    for test in document["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in {"passed", "failed"} and test["visibility"] in VISIBILITIES
        assert all(isinstance(tag, str) for tag in test["tags"])
    earned = sum(test["score"] for test in document["tests"])
    assert abs(earned - document["score"]) < 1e-6
    extra = document["extra_data"]
    assert len(extra["sha256"]) == 64 and extra["grader_version"] and isinstance(extra["seed"], int)


def write_class(folder: Path, size: int = 4) -> dict[str, float]:
    """A small class (its first `size` students): each name and the score its submission deserves."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "alice.py": (CORRECT, 10.0),
        "bob.py": (NAIVE, 7.0),
        "carol.ipynb": (notebook("import numpy as np", CORRECT), 10.0),
        "dave.py": ("import numpy as np\n\ndef loss(x, y):\n    return 0.0\n", 0.0),
    }
    scores = {}
    for filename, (text, score) in list(files.items())[:size]:
        (folder / filename).write_text(text)
        scores[Path(filename).stem] = score
    return scores
