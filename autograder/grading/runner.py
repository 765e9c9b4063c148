"""Run an assignment's hidden pytest graders against one live submission and collect `TestOutcome`s."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from autograder.checks.catalogue import Catalogue, load_catalogue
from autograder.errors import GraderError, StudentError
from autograder.grading.markers import MARKERS, CheckFailed
from autograder.course.fingerprint import folder_fingerprint
from autograder.grading.outcome import BUG_PREFIX, Blame, GraderFailure, TestOutcome
from autograder.course.seeding import test_rng

# Plugins a grading run never needs (installed plugins such as anyio's are not loaded at all);
# unraisableexception alone costs two full GCs per submission.
PYTEST_ARGS = ("--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings",
               "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:faulthandler",
               "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:nose",
               "--capture=no", "-o", "python_files=test_*.py", "-o", "addopts=", "--import-mode=prepend")


class GraderRun(NamedTuple):
    """One run of the graders: every test's outcome, and the failures of graders that never ran (not collected)."""

    tests: tuple[TestOutcome, ...]
    grader_failures: tuple[GraderFailure, ...]


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

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.collection_errors: list[GraderFailure] = []
        self.begin(student_call=None, reference=None, seed=0)

    def begin(self, *, student_call, reference, seed: int) -> None:
        """Point the fixtures at the next submission and forget the previous outcomes."""
        self.student_call = student_call
        self.reference_module = reference
        self.seed_value = seed
        self.outcomes: list[TestOutcome] = []
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
        return test_rng(self.seed_value, request.node.name)

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(GraderFailure(report.nodeid or "graders", report.longreprtext[-2000:]))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "setup":
            self._started[item.nodeid] = time.perf_counter()
        if report.when == "call" or (report.when == "setup" and not report.passed):
            elapsed = time.perf_counter() - self._started.get(item.nodeid, time.perf_counter())
            self.outcomes.append(_outcome(item, report, call, elapsed, self.catalogue))


def _part(item) -> tuple[str, bool]:
    """The rubric part a grader belongs to, and whether it is bonus."""
    marker = item.get_closest_marker("part")
    return (marker.args[0], bool(marker.kwargs.get("bonus", False))) if marker else ("default", False)


def _outcome(item, report, call, elapsed: float, catalogue: Catalogue) -> TestOutcome:
    points_marker = item.get_closest_marker("points")
    part, bonus = _part(item)
    visibility_marker = item.get_closest_marker("visibility")
    max_points = float(points_marker.args[0]) if points_marker else 1.0
    common = dict(
        name=f"{Path(str(item.fspath)).name}::{item.name}",
        title=_title(item),
        part=part,
        bonus=bonus,
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
        bugs = tuple(bug.removeprefix(BUG_PREFIX) for bug in error.result.bugs)
        return TestOutcome(points=0.0, passed=False, message=error.result.message, bugs=bugs, **common)
    if isinstance(error, StudentError):
        bug = catalogue.bug_for_error(error)
        bugs = (bug.removeprefix(BUG_PREFIX),) if bug else ()
        return TestOutcome(points=0.0, passed=False, message=error.student_message, bugs=bugs, blame=Blame.STUDENT,
                           **common)
    if isinstance(error, AssertionError) and report.when == "call":
        return TestOutcome(points=0.0, passed=False, message=str(error).split("\nassert ")[0], **common)
    detail = report.longreprtext[-3000:] if hasattr(report, "longreprtext") else repr(error)
    return TestOutcome(points=0.0, passed=False, message=f"grader error: {detail}", blame=Blame.GRADER, **common)


def _title(item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else item.name.removeprefix("test_").replace("_", " ")


class GraderSuite:
    """An assignment's graders, collected once by pytest and then run against submission after submission.

    Building pytest's configuration and collecting the graders costs about 100 ms; a worker pays it
    once. Each run goes through pytest's own `pytest_runtest_protocol`, item by item, and the last
    item tears down every fixture scope, so nothing carries over from one submission to the next.
    """

    def __init__(self, graders_dir: Path):
        from _pytest.config import _prepareconfig  # what pytest.main uses; pytest is pinned

        self.graders_dir = graders_dir
        _forget_namesakes(graders_dir)  # before the config: it imports the graders' conftest.py already
        self.plugin = GraderPlugin(load_catalogue(graders_dir))
        self.config = _prepareconfig([*PYTEST_ARGS, "--rootdir", str(graders_dir), str(graders_dir)],
                                     plugins=[self.plugin])
        self.config._do_configure()
        self.session = pytest.Session.from_config(self.config)
        self.config.hook.pytest_sessionstart(session=self.session)
        try:
            self.session.perform_collect()
        except pytest.UsageError as error:
            raise GraderError(f"pytest could not run the graders in {graders_dir}: {error}") from None
        if not self.session.items and not self.plugin.collection_errors:
            raise GraderError(f"pytest could not run the graders in {graders_dir}: no tests collected")

    def run(self, *, student_call, reference, seed: int) -> GraderRun:
        self.plugin.begin(student_call=student_call, reference=reference, seed=seed)
        items = self.session.items
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            self.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
        return GraderRun(tuple(self.plugin.outcomes), tuple(self.plugin.collection_errors))

    def close(self) -> None:
        """End the pytest session and forget the graders' modules, so an edited grader is imported anew."""
        self.config.hook.pytest_sessionfinish(session=self.session, exitstatus=0)
        self.config._ensure_unconfigure()
        for name, module in list(sys.modules.items()):
            if Path(getattr(module, "__file__", None) or "/").is_relative_to(self.graders_dir):
                del sys.modules[name]


def _forget_namesakes(graders_dir: Path) -> None:
    """Drop an imported package of the same name from another course (`celoss` of a course copy, say)."""
    package = graders_dir.name
    for name, module in list(sys.modules.items()):
        if name == package or name.startswith(package + "."):
            if not Path(getattr(module, "__file__", None) or "/").is_relative_to(graders_dir):
                del sys.modules[name]


def bonus_parts(graders_dir: Path) -> frozenset[str]:
    """The rubric parts whose every grader is marked bonus (nbgrader extra credit), read from a collection."""
    suite = GraderSuite(Path(graders_dir))
    try:
        every_one_bonus: dict[str, bool] = {}
        for item in suite.session.items:
            part, bonus = _part(item)
            every_one_bonus[part] = every_one_bonus.get(part, True) and bonus
        return frozenset(part for part, bonus in every_one_bonus.items() if bonus)
    finally:
        suite.close()


_SUITES: dict[tuple[str, str], GraderSuite] = {}


def run_graders(graders_dir: Path, *, student_call, reference, seed: int, fingerprint: str | None = None) -> GraderRun:
    """Run every test under `graders_dir`; return the outcomes and the graders that failed to collect.

    The collected suite is reused while `fingerprint` (the assignment's, from `autograder.course.fingerprint`;
    by default the folder's own) is unchanged; an edited grader is collected afresh.
    """
    signature = (str(graders_dir), fingerprint or folder_fingerprint(Path(graders_dir)))
    suite = _SUITES.get(signature)
    if suite is None:
        for stale in list(_SUITES):  # one live suite per process: graders of two folders may share module names
            _SUITES.pop(stale).close()
        suite = _SUITES[signature] = GraderSuite(graders_dir)
    return suite.run(student_call=student_call, reference=reference, seed=seed)
