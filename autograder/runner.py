"""Run an assignment's hidden pytest graders against one live submission and collect `TestOutcome`s."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograder.errors import GraderError, StudentError
from autograder.grading import MARKERS, CheckFailed
from autograder.outcome import TestOutcome

# Plugins a grading run never needs; unraisableexception alone costs two full GCs per submission.
PYTEST_ARGS = ("-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings",
               "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:faulthandler",
               "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:nose",
               "--capture=no", "-o", "python_files=test_*.py", "-o", "addopts=", "--import-mode=prepend")


class StudentProxy:
    """`student.CELoss.forward(x, y)` becomes a sandboxed call to "CELoss.forward"."""

    def __init__(self, caller, path: tuple[str, ...] = ()):
        self._caller = caller
        self._path = path

    def __getattr__(self, name: str) -> "StudentProxy":
        if name.startswith("__"):
            raise AttributeError(name)
        return StudentProxy(self._caller, (*self._path, name))

    def __call__(self, *args, **kwargs):
        return self._caller(".".join(self._path), *args, **kwargs)


class GraderPlugin:
    """Gives the graders their fixtures and turns each test's outcome into a `TestOutcome`."""

    def __init__(self, *, student_call, reference, seed: int):
        self.student_call = student_call
        self.reference_module = reference
        self.seed_value = seed
        self.outcomes: list[TestOutcome] = []
        self.collection_errors: list[str] = []
        self._started: dict[str, float] = {}

    def pytest_configure(self, config) -> None:
        for line in MARKERS:
            config.addinivalue_line("markers", line)
        config.option.tbstyle = "native"  # long tracebacks parse source for every failed test

    @pytest.fixture
    def student(self):
        return StudentProxy(self.student_call)

    @pytest.fixture
    def reference(self):
        return self.reference_module

    @pytest.fixture
    def seed(self) -> int:
        return self.seed_value

    @pytest.fixture
    def rng(self, request) -> np.random.Generator:
        return np.random.default_rng([self.seed_value, zlib.crc32(request.node.name.encode())])

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "setup":
            self._started[item.nodeid] = time.perf_counter()
        if report.when == "call" or (report.when == "setup" and not report.passed):
            elapsed = time.perf_counter() - self._started.get(item.nodeid, time.perf_counter())
            self.outcomes.append(_outcome(item, report, call, elapsed))


def _outcome(item, report, call, elapsed: float) -> TestOutcome:
    points_marker = item.get_closest_marker("points")
    part_marker = item.get_closest_marker("part")
    visibility_marker = item.get_closest_marker("visibility")
    max_points = float(points_marker.args[0]) if points_marker else 1.0
    common = dict(
        name=f"{Path(str(item.fspath)).name}::{item.name}",
        title=_title(item),
        part=part_marker.args[0] if part_marker else "default",
        bonus=bool(part_marker.kwargs.get("bonus", False)) if part_marker else False,
        max_points=max_points,
        visibility=visibility_marker.args[0] if visibility_marker else "visible",
        duration=elapsed,
    )
    if report.passed:
        return TestOutcome(points=max_points, passed=True, **common)
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return TestOutcome(points=0.0, passed=False, message=str(reason).removeprefix("Skipped: "), **common)
    error = call.excinfo.value if call.excinfo else None
    if isinstance(error, CheckFailed):
        return TestOutcome(points=0.0, passed=False, message=error.result.message, tags=error.result.tags, **common)
    if isinstance(error, StudentError):
        tags = (f"bug:{error.bug_tag}",) if error.bug_tag else ()
        return TestOutcome(points=0.0, passed=False, message=error.student_message, tags=tags, error="student", **common)
    if isinstance(error, AssertionError) and report.when == "call":
        return TestOutcome(points=0.0, passed=False, message=str(error).split("\nassert ")[0], **common)
    detail = report.longreprtext[-3000:] if hasattr(report, "longreprtext") else repr(error)
    return TestOutcome(points=0.0, passed=False, message=f"grader error: {detail}", error="grader", **common)


def _title(item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else item.name.removeprefix("test_").replace("_", " ")


def run_graders(graders_dir: Path, *, student_call, reference, seed: int) -> tuple[list[TestOutcome], list[str]]:
    """Run every test under `graders_dir`; return the outcomes and any collection errors."""
    plugin = GraderPlugin(student_call=student_call, reference=reference, seed=seed)
    exit_code = pytest.main([*PYTEST_ARGS, "--rootdir", str(graders_dir), str(graders_dir)], plugins=[plugin])
    if exit_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise GraderError(f"pytest could not run the graders in {graders_dir} (exit code {int(exit_code)})")
    return plugin.outcomes, plugin.collection_errors
