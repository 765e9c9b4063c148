"""Run an assignment's hidden pytest graders against one live submission and collect `TestOutcome`s."""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from autograder.checks.catalogue import Catalogue, load_catalogue
from autograder.errors import GraderError, Raised, StudentError
from autograder.grading import plain_tests
from autograder.grading.markers import MARKERS, CheckFailed
from autograder.course.fingerprint import folder_fingerprint
from autograder.grading.outcome import BUG_PREFIX, Blame, GraderFailure, TestOutcome
from autograder.course.seeding import test_rng

# Plugins a grading run never needs (installed plugins such as anyio's are not loaded at all);
# unraisableexception alone costs two full GCs per submission. Command-line-only plugins (pdb, setup
# plans, stepwise) and the legacy `tmpdir`/`recwarn` fixtures are left out too (`tmp_path` remains).
PYTEST_ARGS = ("--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings",
               "-p", "no:logging", "-p", "no:debugging", "-p", "no:setuponly", "-p", "no:setupplan",
               "-p", "no:stepwise", "-p", "no:recwarn", "-p", "no:legacypath",
               "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:faulthandler",
               "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:nose",
               "--capture=no", "-o", "python_files=test_*.py", "-o", "addopts=", "--import-mode=prepend")


class GraderRun(NamedTuple):
    """One run of the graders: every test's outcome, and the failures of graders that never ran (not collected)."""

    tests: tuple[TestOutcome, ...]
    grader_failures: tuple[GraderFailure, ...]


ENGINE_FIXTURES = ("student", "reference", "seed", "rng")


class StudentProxy:
    """`student.CELoss.forward(x, y)` becomes a sandboxed call to "CELoss.forward".

    `student.CELoss.forward.many([(x1, y), (x2, y)])` makes the calls in order in one exchange with the
    sandbox (through `caller_many`, else one call at a time) and returns their values; a call that
    failed ends the list as a `Raised`, so the grader meets the failure where a loop would have.
    """

    def __init__(self, caller, path: tuple[str, ...] = (), caller_many=None):
        self._caller = caller
        self._caller_many = caller_many
        self._path = path

    def __getattr__(self, name: str) -> "StudentProxy":
        if name.startswith("__"):
            raise AttributeError(name)
        return StudentProxy(self._caller, (*self._path, name), self._caller_many)

    def __call__(self, *args, **kwargs):
        return self._caller(".".join(self._path), *args, **kwargs)

    def many(self, calls) -> list:
        target, calls = ".".join(self._path), [tuple(args) for args in calls]
        if self._caller_many is not None:
            return self._caller_many(target, calls)
        results: list = []
        for args in calls:
            try:
                results.append(self._caller(target, *args))
            except StudentError as error:
                results.append(Raised(error))
                break
        return results


class GraderPlugin:
    """Gives the graders their fixtures, and records the graders that failed to collect."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.collection_errors: list[GraderFailure] = []
        self.begin(student_call=None, reference=None, seed=0)

    def begin(self, *, student_call, reference, seed: int, student_call_many=None) -> None:
        """Point the fixtures at the next submission."""
        self.student_call = student_call
        self.student_call_many = student_call_many
        self.reference_module = reference
        self.seed_value = seed

    def pytest_configure(self, config) -> None:
        for line in MARKERS:
            config.addinivalue_line("markers", line)
        config.option.tbstyle = "native"  # long tracebacks parse source for every failed test

    @pytest.fixture
    def student(self, request):
        return self.value("student", request.node)

    @pytest.fixture
    def reference(self, request):
        return self.value("reference", request.node)

    @pytest.fixture
    def seed(self, request) -> int:
        return self.value("seed", request.node)

    @pytest.fixture
    def rng(self, request) -> np.random.Generator:
        return self.value("rng", request.node)

    def value(self, name: str, item):
        """What the engine's fixture `name` gives the test `item` for the current submission."""
        if name == "student":
            return StudentProxy(self.student_call, caller_many=self.student_call_many)
        if name == "reference":
            return self.reference_module
        if name == "seed":
            return self.seed_value
        return test_rng(self.seed_value, item.name)

    def given_directly(self, item) -> tuple[str, ...]:
        """The engine's fixtures `item` asks for that can be handed to it without pytest's fixture machinery.

        That is all of them unless one is overridden by a fixture of the graders, or another fixture the
        test uses depends on one (it must then get the very value the test gets, so pytest provides both).
        """
        closure = item._fixtureinfo.name2fixturedefs
        for name, definitions in closure.items():
            if name not in ENGINE_FIXTURES and any(set(d.argnames) & set(ENGINE_FIXTURES) for d in definitions):
                return ()
        ours = tuple(name for name in ENGINE_FIXTURES if name in item.fixturenames)
        if any(getattr(closure[name][-1].func, "__self__", None) is not self for name in ours if name in closure):
            return ()
        return ours

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(GraderFailure(report.nodeid or "graders", report.longreprtext[-2000:]))


class _Phase(NamedTuple):
    """How one test ended: the phase that raised ("setup" or "call"; "call" when none did) and what it raised."""

    when: str
    error: BaseException | None
    seconds: float  # the call phase: the test body itself


def run_item(item, nextitem, given: dict, direct: bool = False) -> _Phase:
    """Run one test through pytest's own setup, call and teardown hooks, without building pytest's reports.

    Fixtures, marks and the graders' own hooks behave as under `pytest`; what pytest would do after
    each phase (a report, a formatted traceback for every failure) is left out: the outcome is read
    from the exception itself (`_outcome`), and only a grader error is ever formatted. `given` holds
    fixture values handed to the test directly (`GraderPlugin.given_directly`): pytest fills only the rest.
    A `direct` test (`plain_tests.runs_directly`) runs what those hooks would run, without their dispatch.
    """
    if direct:
        setup, call, teardown = plain_tests.setup, plain_tests.call, plain_tests.teardown
    else:
        hook = item.ihook
        setup, call, teardown = (hook.pytest_runtest_setup, hook.pytest_runtest_call,
                                 hook.pytest_runtest_teardown)
    if hasattr(item, "_request") and not item._request:
        item._initrequest()  # as pytest's runtestprotocol does for an item run again: no fixture value carries over
    if given:
        item.funcargs.update(given)
        if "request" in item.fixturenames:  # asked for by the engine's fixtures: pytest would hand over this same object
            item.funcargs["request"] = item._request
    when, error = "setup", _raised(setup, item=item)
    seconds = 0.0
    if error is None:
        started = time.perf_counter()
        when, error = "call", _raised(call, item=item)
        seconds = time.perf_counter() - started
    _raised(teardown, item=item, nextitem=nextitem)  # a fixture's teardown never changes a score
    if hasattr(item, "_request"):
        item._request, item.funcargs = False, None
    return _Phase(when, error, seconds)


def _raised(hook_call, **arguments) -> BaseException | None:
    try:
        hook_call(**arguments)
    except (KeyboardInterrupt, pytest.exit.Exception):
        raise
    except BaseException as error:  # noqa: BLE001 - pytest's own runner catches the same
        return error
    return None


def _part(item) -> tuple[str, bool]:
    """The rubric part a grader belongs to, and whether it is bonus."""
    marker = item.get_closest_marker("part")
    return (marker.args[0], bool(marker.kwargs.get("bonus", False))) if marker else ("default", False)


def _described(item) -> dict:
    """What a test's outcome says of the test itself, from its markers and docstring (the same every run)."""
    points_marker = item.get_closest_marker("points")
    part, bonus = _part(item)
    visibility_marker = item.get_closest_marker("visibility")
    return dict(
        name=f"{item.path.name}::{item.name}",
        title=_title(item),
        part=part,
        bonus=bonus,
        max_points=float(points_marker.args[0]) if points_marker else 1.0,
        visibility=visibility_marker.args[0] if visibility_marker else "visible",
    )


def _outcome(item, phase: _Phase, catalogue: Catalogue, described: dict) -> TestOutcome:
    max_points = described["max_points"]
    common = dict(described, duration=phase.seconds)
    error = phase.error
    if error is None:
        return TestOutcome(points=max_points, passed=True, **common)
    if isinstance(error, (pytest.skip.Exception, pytest.xfail.Exception)):
        return TestOutcome(points=0.0, passed=False, message=str(error.msg or ""), **common)
    if isinstance(error, CheckFailed):
        bugs = tuple(bug.removeprefix(BUG_PREFIX) for bug in error.result.bugs)
        return TestOutcome(points=0.0, passed=False, message=error.result.message, bugs=bugs, **common)
    if isinstance(error, StudentError):
        bug = catalogue.bug_for_error(error)
        bugs = (bug.removeprefix(BUG_PREFIX),) if bug else ()
        return TestOutcome(points=0.0, passed=False, message=error.student_message, bugs=bugs, blame=Blame.STUDENT,
                           **common)
    if isinstance(error, AssertionError) and phase.when == "call":
        return TestOutcome(points=0.0, passed=False, message=str(error).split("\nassert ")[0], **common)
    return TestOutcome(points=0.0, passed=False, message=f"grader error: {_failure_text(item, error)[-3000:]}",
                       blame=Blame.GRADER, **common)


def _failure_text(item, error: BaseException) -> str:
    """The traceback pytest would print for `error` (native style), for the instructor."""
    try:
        return str(item.repr_failure(pytest.ExceptionInfo.from_exception(error)))
    except Exception:  # noqa: BLE001 - a failure to format must not hide the failure itself
        return "".join(traceback.format_exception(error))


def _title(item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else item.name.removeprefix("test_").replace("_", " ")


class GraderSuite:
    """An assignment's graders, collected once by pytest and then run against submission after submission.

    Building pytest's configuration and collecting the graders costs about 100 ms; a worker pays it
    once. Each run takes the items one by one through pytest's setup, call and teardown hooks
    (`run_item`), and the last item tears down every fixture scope, so nothing carries over from one
    submission to the next.
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
        self.described = [_described(item) for item in self.session.items]
        self.given = [self.plugin.given_directly(item) for item in self.session.items]
        self.direct = [plain_tests.runs_directly(item, given) for item, given in zip(self.session.items, self.given)]

    def run(self, *, student_call, reference, seed: int, student_call_many=None) -> GraderRun:
        self.plugin.begin(student_call=student_call, reference=reference, seed=seed, student_call_many=student_call_many)
        items = self.session.items
        # Every test's generator made now, one after another: made between two tests, just after the student's
        # process ran on the same core, each took about 60 us instead of 25.
        generators = [test_rng(seed, item.name) if "rng" in names else None
                      for item, names in zip(items, self.given)]
        outcomes = []
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            given = {name: generators[index] if name == "rng" else self.plugin.value(name, item)
                     for name in self.given[index]}
            phase = run_item(item, following, given, self.direct[index])
            outcomes.append(_outcome(item, phase, self.plugin.catalogue, self.described[index]))
        return GraderRun(tuple(outcomes), tuple(self.plugin.collection_errors))

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


def run_graders(graders_dir: Path, *, student_call, reference, seed: int, fingerprint: str | None = None,
                student_call_many=None) -> GraderRun:
    """Run every test under `graders_dir`; return the outcomes and the graders that failed to collect.

    `student_call(target, *args)` makes one call into the submission, `student_call_many(target, calls)`
    a batch of them (`StudentProxy.many`; without it a batch is made one call at a time).

    The collected suite is reused while `fingerprint` (the assignment's, from `autograder.course.fingerprint`;
    by default the folder's own) is unchanged; an edited grader is collected afresh.
    """
    signature = (str(graders_dir), fingerprint or folder_fingerprint(Path(graders_dir)))
    suite = _SUITES.get(signature)
    if suite is None:
        for stale in list(_SUITES):  # one live suite per process: graders of two folders may share module names
            _SUITES.pop(stale).close()
        suite = _SUITES[signature] = GraderSuite(graders_dir)
    return suite.run(student_call=student_call, reference=reference, seed=seed, student_call_many=student_call_many)
