"""Which grader tests can skip pytest's hook dispatch, and the three phases they then run.

Every test runs its setup, call and teardown phases as under pytest (`runner.run_item`). Under the
engine's options (`runner.PYTEST_ARGS`: output not captured, no logging, warnings or debugging plugin)
the implementations of those hooks are pytest's runner, skipping and capture plugins, and python's
call of the test function. For a *plain* test, a function with no mark but the engine's and no fixture
but the engine's, skipping and capture have nothing to do, so calling what runner and python do is
exactly what the hooks would have done, without about 0.05 ms of dispatch and mark lookups a test.

Anything else keeps the hooks: a skip, skipif, xfail or usefixtures mark (or any mark a plugin may
read), a fixture of the graders or of pytest (capsys, tmp_path, an autouse or xunit setup), an async
test, a test class of unittest, and every test below a conftest.py or plugin that implements one of
these hooks itself.
"""

from __future__ import annotations

import pytest
from _pytest import python as pytest_python
from _pytest import runner as pytest_runner
from _pytest.compat import is_async_function

from autograder.grading.markers import PARTS_MARKER, POINTS_MARKER, VISIBILITY_MARKER

ENGINE_MARKS = frozenset({PARTS_MARKER, POINTS_MARKER, VISIBILITY_MARKER})

# The plugins (by their registered names) that implement each hook for a plain test under PYTEST_ARGS.
PLAIN_IMPLEMENTATIONS = {
    "pytest_runtest_setup": ("runner", "skipping", "capturemanager"),
    "pytest_runtest_call": ("runner", "skipping", "capturemanager"),
    "pytest_runtest_teardown": ("runner", "capturemanager"),
    "pytest_pyfunc_call": ("python",),
}


def runs_directly(item, given: tuple[str, ...]) -> bool:
    """Whether `item`, handed the engine's fixtures `given`, is a plain test (see the module's text)."""
    if type(item) is not pytest.Function or is_async_function(item.obj):
        return False
    if not set(item.fixturenames) <= {*given, "request"} or item.config.getoption("capture") != "no":
        return False
    if any(mark.name not in ENGINE_MARKS for mark in item.iter_markers()):
        return False
    plugins = item.config.pluginmanager
    for hook_name, names in PLAIN_IMPLEMENTATIONS.items():
        found = sorted(id(implementation.plugin) for implementation in getattr(item.ihook, hook_name).get_hookimpls())
        if found != sorted(id(plugins.get_plugin(name)) for name in names):
            return False
    return True


def setup(item) -> None:
    """pytest's runner: the setup of the test's nodes (Package, Module, ...) and its fixtures."""
    pytest_runner.pytest_runtest_setup(item)


def call(item) -> None:
    """pytest's runner, then python's call of the test function with its fixture values."""
    pytest_runner._update_current_test_var(item, "call")
    pytest_python.pytest_pyfunc_call(item)


def teardown(item, nextitem) -> None:
    """pytest's runner: the teardown of every node and fixture that `nextitem` does not share."""
    pytest_runner.pytest_runtest_teardown(item, nextitem)
