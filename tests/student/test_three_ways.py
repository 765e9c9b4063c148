"""One truth for students: the visible checks, `nbgrader validate` and the hidden graders agree on every answer.

Each corpus answer (tests/corpus/celoss/{correct,wrong}) and each answer under tests/student/answers is run
three ways: the shipped celoss_checks module's core parts, the engine (sandbox plus hidden graders; full core
marks or not), and, for a representative subset, real `nbgrader validate` on a notebook built from the release
(a real Jupyter kernel). All three pass together or fail together.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path

from .conftest import ANSWERS, CORPUS, RELEASE, REPO, load_file, release_notebook_with

pytestmark = pytest.mark.slow

ENTRIES = sorted([*CORPUS.glob("correct/*.py"), *CORPUS.glob("wrong/*.py"), *ANSWERS.glob("*.py")])
VALIDATED = ("correct/vectorised", "correct/scipy_logsumexp", "answers/float32_input_casts_to_float64",
             "wrong/global_max", "wrong/log_of_softmax", "wrong/grad_not_averaged", "wrong/per_sample_losses",
             "wrong/mutates_input", "wrong/stub", "answers/global_max_and_log_of_softmax")
# The graders still choose float32 tolerances from the dtype a submission returns; the decided rule (tolerances
# follow the inputs' dtype) lands with the graders' branch, and this answer then loses points like the others.
def entry_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# Validated answers last, so the engine grades the others while nbgrader runs.
ENTRIES.sort(key=lambda path: entry_id(path) in VALIDATED)


def core_checks_pass(checks, module) -> bool:
    return all(checks.PARTS[part](module.CELoss).passed for part in ("forward", "backward", "stability"))


class Validation:
    """Real `nbgrader validate` on the VALIDATED subset, one nbgrader run started at once in the background;
    `verdict(entry)` waits for it. The engine grades the other answers meanwhile."""

    def __init__(self, folder: Path):
        shutil.copy2(RELEASE / "celoss_checks.py", folder / "celoss_checks.py")
        self.paths = {}
        for path in ENTRIES:
            if entry_id(path) in VALIDATED:
                notebook = folder / f"{entry_id(path).replace('/', '__')}.ipynb"
                notebook.write_text(release_notebook_with(path.read_text(encoding="utf-8")), encoding="utf-8")
                self.paths[str(notebook)] = entry_id(path)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.process = subprocess.Popen([sys.executable, "-m", "nbgrader", "validate", *sorted(self.paths)],
                                        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.verdicts: dict[str, bool] | None = None

    def verdict(self, entry: str) -> bool:
        if self.verdicts is None:
            output, log = self.process.communicate(timeout=420)
            # nbgrader logs "Validating '<path>'" on stderr and prints each verdict on stdout, in the same order.
            order = re.findall(r"Validating '([^']+)'", log)
            outcomes = re.findall(r"^(Success! Your notebook passes all the tests\.|VALIDATION FAILED)", output, re.M)
            assert len(order) == len(outcomes) == len(self.paths), (log[-3000:], output[-3000:])
            assert "Traceback" not in output, output
            self.verdicts = {self.paths[notebook]: outcome.startswith("Success") for notebook, outcome in zip(order, outcomes)}
        return self.verdicts[entry]


@pytest.fixture(scope="module")
def validation(tmp_path_factory):
    validation = Validation(tmp_path_factory.mktemp("validate"))
    yield validation
    if validation.process.poll() is None:
        validation.process.kill()
        validation.process.wait()


@pytest.fixture(scope="module")
def assignment():
    return load_assignment("celoss", REPO)


@pytest.mark.parametrize("path", ENTRIES, ids=[entry_id(p) for p in ENTRIES])
def test_visible_checks_validate_and_graders_agree(path, checks, assignment, validation):
    visible = core_checks_pass(checks, load_file(path))
    report = grade_path(assignment, path)
    assert not report.grader_errors, [t.message for t in report.grader_errors]
    core = sum(t.points for t in report.tests if not t.bonus)
    graded_full = core == report.max_score == 10
    verdicts = {"visible checks": visible, "hidden graders": graded_full}
    if entry_id(path) in VALIDATED:
        verdicts["nbgrader validate"] = validation.verdict(entry_id(path))
    assert len(set(verdicts.values())) == 1, (verdicts, core)
    if path.parent.name in ("correct", "wrong"):
        assert visible == (path.parent.name == "correct"), verdicts
