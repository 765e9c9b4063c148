"""Test helpers: a corpus module called in process as the sandbox would call it, graded by the real runner.

`InProcess` is the `student_call` that `autograder.grading.runner.run_graders` hands to its `StudentProxy`:
it copies inputs and passes them read-only, turns exceptions into `StudentRaised`, and rebuilds
results as the parent would (plain arrays, numpy scalars, Python numbers, tuples). `grade` runs the
graders through that runner, so fixtures, seeding, markers and tagging are exactly the engine's;
only the sandbox is left out. For tests of grader logic.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from autograder.course.assignment import load_assignment
from autograder.errors import MissingName, StudentRaised
from autograder.grading.outcome import TestOutcome
from autograder.grading.reference import load_reference
from autograder.grading.runner import StudentProxy, run_graders

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "celoss"
GRADERS = ROOT / "graders" / "celoss"


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference():
    return load_reference(load_assignment("celoss", ROOT))


def _readonly(value):
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.setflags(write=False)
    return value


def _rebuild(value):
    if isinstance(value, (tuple, list)):
        return type(value)(_rebuild(v) for v in value)
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    return value


class InProcess:
    """A `student_call(target, *args, **kwargs)` that runs `module`'s code; `calls` records each target."""

    def __init__(self, module):
        self.module = module
        self.calls: list[str] = []

    def __call__(self, target: str, *args, **kwargs):
        self.calls.append(target)
        function = self.module
        for name in target.split("."):
            function = getattr(function, name, None)
            if function is None:
                raise MissingName(f"the submission does not define {target}")
        args = [_readonly(a) for a in args]
        kwargs = {k: _readonly(v) for k, v in kwargs.items()}
        try:
            with np.errstate(all="ignore"):
                return _rebuild(function(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - student code may raise anything
            raise StudentRaised(target, type(error).__name__, str(error)) from None


class Student(StudentProxy):
    """`student.CELoss.forward(...)` calls the module's code on read-only copies (for diagnosis tests)."""

    def __init__(self, module):
        super().__init__(InProcess(module))


def grade(module, seed: int = 0, ref=None, caller: InProcess | None = None) -> list[TestOutcome]:
    """Every grader test on `module` through `run_graders`, seeded as the engine seeds it."""
    outcomes, collection_errors = run_graders(GRADERS, student_call=caller or InProcess(module),
                                              reference=ref or reference(), seed=seed)
    assert not collection_errors, collection_errors
    return outcomes

