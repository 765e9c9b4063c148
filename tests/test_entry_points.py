"""The public entry points at their old places are shims that re-export the stage modules' objects."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIMS = [
    ("autograder.cli", "autograder.frontends.cli",
     ("main",)),
    ("autograder.nbgrader_plugin", "autograder.frontends.nbgrader_plugin",
     ("RestoreMissingCells", "SaveExtraCredit", "TrustedGrades", "autograde_preprocessors", "generate_preprocessors",
      "sanitize_preprocessors",)),
    ("autograder.nbgrader_register", "autograder.frontends.nbgrader_register",
     ("register_missing_assignments",)),
    ("autograder.gradescope_run", "autograder.frontends.gradescope_run",
     ("choose_submission", "main", "run",)),
]


@pytest.mark.parametrize("shim, module, names", SHIMS, ids=[shim for shim, _, _ in SHIMS])
def test_a_shim_re_exports_exactly_the_modules_objects(shim, module, names):
    old, new = importlib.import_module(shim), importlib.import_module(module)
    assert sorted(old.__all__) == sorted(names)
    for name in names:
        assert getattr(old, name) is getattr(new, name), name


def test_the_gradescope_entry_point_still_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "autograder.gradescope_run", "--help"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--assignment" in result.stdout


def test_the_course_config_names_the_public_shims():
    config = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "from autograder.nbgrader_plugin import" in config
    assert "from autograder.nbgrader_register import" in config
