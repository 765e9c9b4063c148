"""Plain grader tests skip pytest's hook dispatch; every other test, and every hook of the graders, runs as under
pytest."""

from pathlib import Path

import pytest

from autograder.grading import plain_tests
from autograder.grading.runner import GraderSuite, run_graders


def student(target, *args, **kwargs):
    return 1.0


PLAIN = '''
import os
import pytest

seen = []


@pytest.mark.points(2)
@pytest.mark.part("core")
def test_engine_fixtures_only(student, reference, rng, seed):
    assert student.Model.value(rng.standard_normal()) == 1.0 and reference == "ref"


def test_no_fixture_at_all():
    seen.append(os.environ["PYTEST_CURRENT_TEST"])
    assert seen[-1].endswith("::test_no_fixture_at_all (call)")


def test_fails(student):
    assert student.Model.value() == 2.0, "the value is wrong"


def test_skips_itself(student):
    pytest.skip("not this time")


def test_grader_error(student):
    {}["missing"]


class TestInAClass:
    def test_method(self, student):
        assert student.Model.value() == 1.0
'''

NOT_PLAIN = '''
import pytest


@pytest.fixture
def own():
    return 1


@pytest.mark.skip(reason="skipped by its mark")
def test_skip_mark(student):
    pass


@pytest.mark.skipif(True, reason="skipped by its condition")
def test_skipif_mark(student):
    pass


@pytest.mark.xfail(run=False, reason="not run")
def test_xfail_not_run(student):
    pass


def test_graders_fixture(student, own):
    assert own == 1


def test_capsys(student, capsys):
    print("captured")
    assert capsys.readouterr().out == "captured\\n"


def test_tmp_path(tmp_path):
    assert tmp_path.is_dir()


async def test_async(student):
    pass


@pytest.mark.usefixtures("own")
def test_usefixtures(student):
    pass
'''


def suite_of(folder: Path, files: dict[str, str]) -> GraderSuite:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return GraderSuite(folder)


def test_only_plain_tests_run_directly(tmp_path):
    suite = suite_of(tmp_path / "graders", {"test_plain.py": PLAIN, "test_not_plain.py": NOT_PLAIN})
    try:
        direct = {item.name: flag for item, flag in zip(suite.session.items, suite.direct)}
    finally:
        suite.close()
    assert {name for name, flag in direct.items() if flag} == {
        "test_engine_fixtures_only", "test_no_fixture_at_all", "test_fails", "test_skips_itself",
        "test_grader_error", "test_method",
    }


VETOING_CONFTEST = '''
import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if item.name.startswith("test_engine"):
        raise AssertionError("vetoed by the graders' conftest")
    return (yield)
'''

SETUP_HOOK_CONFTEST = '''
def pytest_runtest_setup(item):
    item.funcargs["seed"] = 12345
'''


@pytest.mark.parametrize("conftest", [VETOING_CONFTEST, SETUP_HOOK_CONFTEST], ids=["call-wrapper", "setup-hook"])
def test_a_conftest_with_a_run_test_hook_keeps_the_hooks_for_the_tests_below_it(tmp_path, conftest):
    suite = suite_of(tmp_path / "graders", {"test_plain.py": PLAIN, "conftest.py": conftest})
    try:
        assert not any(suite.direct)
    finally:
        suite.close()


def test_the_graders_hooks_still_decide_the_outcome(tmp_path):
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / "test_plain.py").write_text(PLAIN)
    (folder / "conftest.py").write_text(VETOING_CONFTEST)
    outcomes, _ = run_graders(folder, student_call=student, reference="ref", seed=1)
    vetoed = next(o for o in outcomes if o.name.endswith("::test_engine_fixtures_only"))
    assert not vetoed.passed and "vetoed by the graders' conftest" in vetoed.message


def outcomes_of(folder: Path) -> list[tuple]:
    outcomes, errors = run_graders(folder, student_call=student, reference="ref", seed=7)
    assert errors == ()
    return [(o.name, o.points, o.max_points, o.passed, o.message.splitlines()[:1], o.blame, o.part) for o in outcomes]


def test_a_plain_test_ends_as_it_does_through_the_hooks(tmp_path, monkeypatch):
    """Pass, fail, skip from the body, a grader error, a method, the current-test variable: the same outcomes."""
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / "test_plain.py").write_text(PLAIN)
    (folder / "test_not_plain.py").write_text(NOT_PLAIN)
    direct = outcomes_of(folder)
    again = outcomes_of(folder)  # a second submission: the nodes were torn down and are set up anew
    monkeypatch.setattr(plain_tests, "runs_directly", lambda item, given: False)
    (folder / "test_plain.py").write_text(PLAIN + "\n")  # an edited grader: the suite is collected again
    through_hooks = outcomes_of(folder)
    assert direct == again == through_hooks
    passed = {name.split("::")[-1] for name, _, _, ok, *_ in direct if ok}
    assert passed == {"test_engine_fixtures_only", "test_no_fixture_at_all", "test_method", "test_graders_fixture",
                      "test_capsys", "test_tmp_path", "test_usefixtures"}
