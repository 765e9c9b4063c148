"""Test helpers: a corpus module behind a sandbox-like proxy, and the CELoss graders run without pytest.

The proxy copies inputs and passes them read-only, turns exceptions into `StudentRaised`, and
rebuilds results as the parent would (plain arrays, numpy scalars, Python numbers, tuples), so the
diagnosis sees what it sees through the real sandbox. Only for tests of grader logic.
"""

from __future__ import annotations

import importlib.util
import inspect
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.course import load_assignment
from autograder.errors import StudentError, StudentRaised
from autograder.grading import CheckFailed
from celoss import test_backward, test_extensions, test_forward, test_stability
from celoss.catalogue import CATALOGUE
from autograder.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "celoss"
GRADER_MODULES = (test_forward, test_backward, test_stability, test_extensions)


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


class _Method:
    def __init__(self, fn, target):
        self.fn, self.target = fn, target

    def __call__(self, *args, **kwargs):
        args = [_readonly(a) for a in args]
        kwargs = {k: _readonly(v) for k, v in kwargs.items()}
        try:
            with np.errstate(all="ignore"):
                return _rebuild(self.fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - student code may raise anything
            raise StudentRaised(self.target, type(error).__name__, str(error)) from None


class _Class:
    def __init__(self, cls, name):
        self.forward = _Method(cls.forward, f"{name}.forward")
        self.backward = _Method(cls.backward, f"{name}.backward")


class Student:
    """`student.CELoss.forward(...)` calls the module's code on read-only copies."""

    def __init__(self, module):
        self.CELoss = _Class(module.CELoss, "CELoss")


@dataclass(frozen=True)
class Outcome:
    name: str
    points: float
    max_points: float
    bonus: bool
    passed: bool
    message: str
    tags: tuple[str, ...]


def grader_tests():
    for module in GRADER_MODULES:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and fn.__module__ == module.__name__:
                yield fn


def grade(module, seed: int = 0, ref=None) -> list[Outcome]:
    """Every grader test on `module`, in process; rng seeded as the engine's runner seeds it."""
    student, ref = Student(module), ref or reference()
    outcomes = []
    for fn in grader_tests():
        marks = {m.name: m for m in getattr(fn, "pytestmark", [])}
        max_points = float(marks["points"].args[0])
        bonus = bool(marks["part"].kwargs.get("bonus", False))
        rng = np.random.default_rng([seed, zlib.crc32(fn.__name__.encode())])
        passed, message, tags = True, "", ()
        try:
            fn(student=student, reference=ref, rng=rng)
        except CheckFailed as failure:
            passed, message, tags = False, failure.result.message, failure.result.tags
        except StudentError as error:
            passed, message = False, error.student_message
            bug = CATALOGUE.bug_for_error(error)
            tags = (f"bug:{bug}",) if bug else ()
        outcomes.append(Outcome(fn.__name__, max_points if passed else 0.0, max_points, bonus, passed, message, tags))
    return outcomes


def expected_tags(path: Path) -> set[str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} must start with '# expect: bug:<id> ...'"
    return set(first.removeprefix("# expect:").split())
