"""The runner fills the typed fields: bug ids without their "bug:" prefix, who is to blame, grader failures apart."""

from __future__ import annotations

import textwrap

from autograder.errors import StudentRaised
from autograder.grading.outcome import Blame
from autograder.grading.runner import run_graders

GRADERS = '''
from autograder.checks import CheckResult
from autograder.grading.markers import expect


def test_prefixed_bug(student):
    expect(CheckResult.fail("the loss is 3x too big", bug="bug:sum-not-mean"))


def test_raises(student):
    student.Model.broken()
'''


def student(target, *args, **kwargs):
    raise StudentRaised(target, "NotImplementedError", "")


def test_a_prefixed_bug_id_is_stored_bare_and_a_broken_grader_file_is_a_grader_failure(tmp_path):
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / "test_ok.py").write_text(textwrap.dedent(GRADERS))
    (folder / "test_broken.py").write_text("raise RuntimeError('the grader file itself is broken')\n")
    (folder / "assignment.toml").write_text('[api]\nModel = ["broken"]\n[errors]\nnot_implemented = "stub"\n'
                                            '[bugs.stub]\nmisconception = "a stub."\nfix = "fill it in."\n')
    run = run_graders(folder, student_call=student, reference=None, seed=3)
    by_name = {t.name.split("::")[1]: t for t in run.tests}
    assert by_name["test_prefixed_bug"].bugs == ("sum-not-mean",) and by_name["test_prefixed_bug"].blame is Blame.NONE
    assert (by_name["test_raises"].blame, by_name["test_raises"].bugs) == (Blame.STUDENT, ("stub",))
    assert [f.name for f in run.grader_failures] == ["test_broken.py"]
    assert "the grader file itself is broken" in run.grader_failures[0].message
    assert all(not t.name.startswith("collection::") for t in run.tests)
