"""The runner turns pytest outcomes into TestOutcomes: points, parts, tags, and who is to blame."""

import textwrap

import numpy as np
import pytest

from autograder.errors import GraderError, StudentRaised
from autograder.grading.outcome import Blame
from autograder.grading.runner import run_graders

GRADERS = '''
import numpy as np
import pytest
from autograder.checks import CheckResult
from autograder.grading.markers import expect

pytestmark = pytest.mark.part("core")


@pytest.mark.points(2)
def test_passes(student, reference, rng, seed):
    """The value is right"""
    assert reference == "the reference" and isinstance(seed, int)
    expect(CheckResult.ok() if student.Model.value(rng.standard_normal(3)) == 1.0 else CheckResult.fail("no"))


@pytest.mark.points(3)
def test_fails_with_a_diagnosis(student):
    expect(CheckResult.fail("the loss is 3x too big", bug="sum-not-mean"))


def test_student_code_raised(student):
    student.Model.broken()


@pytest.mark.part("extra", bonus=True)
def test_bonus_graded_apart(student):
    assert student.Model.value(0.0) == 1.0


def test_a_bug_in_the_grader_itself(student):
    {}["missing"]


def test_rng_is_per_test_and_reproducible(rng):
    print(rng.integers(1 << 30))
'''


def fake_student(target, *args, **kwargs):
    if target == "Model.broken":
        raise StudentRaised(target, "NotImplementedError", "")
    return 1.0


@pytest.fixture
def graders(tmp_path):
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / "test_model.py").write_text(textwrap.dedent(GRADERS))
    (folder / "assignment.toml").write_text(CATALOGUE)
    return folder


CATALOGUE = """
[api]
Model = ["broken"]
[errors]
not_implemented = "not-implemented"
[bugs.not-implemented]
misconception = "the stub is not filled in."
fix = "fill it in."
"""


def test_a_student_error_is_tagged_only_by_the_assignments_catalogue(graders):
    (graders / "assignment.toml").write_text('[api]\nModel = ["broken"]\n')
    outcomes, _ = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    raised = next(o for o in outcomes if o.name.endswith("test_student_code_raised"))
    assert raised.blame is Blame.STUDENT and raised.bugs == ()


def test_outcomes_carry_points_parts_messages_and_blame(graders):
    outcomes, errors = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    by_name = {o.name.split("::")[1]: o for o in outcomes}
    assert errors == ()
    passed = by_name["test_passes"]
    assert (passed.passed, passed.points, passed.max_points, passed.part, passed.title) == (True, 2, 2, "core", "The value is right")
    diagnosed = by_name["test_fails_with_a_diagnosis"]
    assert (diagnosed.points, diagnosed.max_points, diagnosed.blame) == (0, 3, Blame.NONE)
    assert diagnosed.message == "the loss is 3x too big" and diagnosed.bugs == ("sum-not-mean",)
    raised = by_name["test_student_code_raised"]
    assert raised.blame is Blame.STUDENT and raised.bugs == ("not-implemented",)
    assert "Model.broken raised NotImplementedError" in raised.message
    bonus = by_name["test_bonus_graded_apart"]
    assert bonus.bonus and bonus.part == "extra" and bonus.passed
    grader_bug = by_name["test_a_bug_in_the_grader_itself"]
    assert grader_bug.blame is Blame.GRADER and grader_bug.points == 0 and "KeyError" in grader_bug.message


def test_a_grader_that_does_not_import_is_reported_not_scored(tmp_path):
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / "test_broken.py").write_text("import no_such_module\n\ndef test_x():\n    pass\n")
    outcomes, errors = run_graders(folder, student_call=fake_student, reference=None, seed=1)
    assert outcomes == () and len(errors) == 1 and "no_such_module" in errors[0].message
    assert errors[0].name.endswith("test_broken.py")


def test_an_empty_graders_folder_is_a_grader_error(tmp_path):
    with pytest.raises(GraderError, match="could not run the graders"):
        run_graders(tmp_path, student_call=fake_student, reference=None, seed=1)


def test_the_collected_suite_is_reused_and_an_edited_grader_is_collected_again(graders):
    first, _ = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    again, _ = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    assert [(o.name, o.points, o.message) for o in first] == [(o.name, o.points, o.message) for o in again]
    test_file = graders / "test_model.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_added_later(student):\n    pass\n")
    edited, _ = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    assert len(edited) == len(first) + 1 and edited[-1].name.endswith("test_added_later")


def test_each_run_sees_only_its_own_student_and_seed(graders):
    def failing_student(target, *args, **kwargs):
        raise StudentRaised(target, "ValueError", "broken")

    good, _ = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    bad, _ = run_graders(graders, student_call=failing_student, reference="the reference", seed=8)
    good_again, _ = run_graders(graders, student_call=fake_student, reference="the reference", seed=7)
    assert sum(o.points for o in bad) < sum(o.points for o in good) == sum(o.points for o in good_again)


def test_a_namesake_conftest_imported_elsewhere_does_not_stop_collection(tmp_path, monkeypatch):
    """A test process that imported `<name>.conftest` from one course copy can still grade another copy."""
    copies = []
    for course in ("first", "second"):
        folder = tmp_path / course / "model"
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "conftest.py").write_text("COPY = %r\n" % course)
        (folder / "test_model.py").write_text(textwrap.dedent(GRADERS))
        (folder / "assignment.toml").write_text(CATALOGUE)
        copies.append(folder)
    monkeypatch.syspath_prepend(str(copies[0].parent))
    monkeypatch.delitem(__import__("sys").modules, "model", raising=False)
    imported = __import__("model.conftest", fromlist=["COPY"])
    assert imported.COPY == "first"

    outcomes, errors = run_graders(copies[1], student_call=fake_student, reference="the reference", seed=7)
    assert errors == () and any(o.passed for o in outcomes)


FIXTURE_GRADERS = '''
import pytest
from autograder.course.seeding import test_rng


@pytest.fixture
def drawn(rng):
    return rng.standard_normal(3)


def test_a_fixture_and_its_test_share_one_rng(drawn, rng, seed):
    expected = test_rng(seed, "test_a_fixture_and_its_test_share_one_rng")
    expected.standard_normal(3)
    assert rng.standard_normal() == expected.standard_normal()


def test_the_engine_fixtures_alone(student, reference, rng, seed):
    assert student.Model.value(0.0) == 1.0 and reference == "the reference"
    assert rng.standard_normal() == test_rng(seed, "test_the_engine_fixtures_alone").standard_normal()
'''

OVERRIDING_CONFTEST = '''
import pytest


@pytest.fixture
def reference():
    return "the graders' own reference"
'''


def test_fixtures_behave_as_under_pytest_when_the_engine_hands_its_own_directly(tmp_path):
    """The engine gives its four fixtures to a test directly, but never where a fixture of the graders uses or
    overrides one: a fixture drawing from `rng` leaves the stream where the test continues it."""
    folder = tmp_path / "fixtures"
    folder.mkdir()
    (folder / "test_fixtures.py").write_text(FIXTURE_GRADERS)
    for seed in (3, 4):  # twice: nothing of the first run's values carries over to the second
        outcomes, errors = run_graders(folder, student_call=fake_student, reference="the reference", seed=seed)
        assert errors == () and [o.passed for o in outcomes] == [True, True], [o.message for o in outcomes]
    (folder / "conftest.py").write_text(OVERRIDING_CONFTEST)
    outcomes, _ = run_graders(folder, student_call=fake_student, reference="the reference", seed=3)
    engine_only = next(o for o in outcomes if o.name.endswith("test_the_engine_fixtures_alone"))
    assert not engine_only.passed  # the graders' own `reference` fixture won, as under pytest
