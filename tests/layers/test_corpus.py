"""The layers graders end to end through the engine and its sandbox: the reference and the correct corpus score
full marks on 25 seeds, the release stubs score 0 with bug:not-implemented, and every wrong corpus file loses
points and carries the tags its first line names."""

from __future__ import annotations

import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_submission
from autograder.submission.extract import read_submission
from layers import test_linear_backward, test_linear_forward, test_relu

from ..corpus_support import ROOT, Corpus, expected_tags, failures_on_more_seeds

CORPUS = Corpus.of("layers").root
WRONG = Corpus.of("layers").wrong
CORRECT = Corpus.of("layers").correct
SEEDS = 25
MODULES = (test_linear_forward, test_linear_backward, test_relu)


@pytest.fixture(scope="module")
def assignment():
    return load_assignment("layers", ROOT)


def test_reference_gets_full_marks_on_many_seeds(assignment):
    report = grade_submission(assignment, read_submission(assignment.source_notebook), seed=0)
    assert report.score == report.max_score == 10 and not report.grader_errors, [
        (t.name, t.message) for t in report.tests if not t.passed]
    assert failures_on_more_seeds(assignment, assignment.source_notebook, range(1, SEEDS), MODULES) == []


@pytest.mark.parametrize("stub", [CORPUS / "wrong" / "stub.py", ROOT / "assignments" / "layers" / "layers.ipynb",
                                  ROOT / "assignments" / "layers" / "layers.py"],
                         ids=["corpus-stub", "release-notebook", "release-py"])
def test_stub_scores_zero_with_not_implemented(assignment, stub):
    report = grade_submission(assignment, read_submission(stub), seed=0)
    assert report.score == 0 and not report.grader_errors
    assert "not-implemented" in report.diagnoses


@pytest.mark.parametrize("path", WRONG, ids=[p.stem for p in WRONG])
def test_wrong_submission_loses_points_with_its_tags(assignment, path):
    report = grade_submission(assignment, read_submission(path), seed=0)
    assert not report.grader_errors, [t.message for t in report.grader_errors]
    assert report.score < report.max_score
    tags = {tag for t in report.tests for tag in t.bug_tags}
    assert expected_tags(path) <= tags, f"missing {expected_tags(path) - tags}; got {sorted(tags)}"


@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_submission_gets_full_marks_on_many_seeds(assignment, path):
    report = grade_submission(assignment, read_submission(path), seed=0)
    assert not report.grader_errors, [t.message for t in report.grader_errors]
    assert report.score == report.max_score == 10, [(t.name, t.message) for t in report.tests if not t.passed]
    assert not report.diagnoses
    assert failures_on_more_seeds(assignment, path, range(1, SEEDS), MODULES) == []


def test_corpus_is_large_enough_and_covers_the_catalogue():
    ids = set().union(*(expected_tags(p) for p in WRONG))
    required = {"not-implemented", "placeholder-output", "linear-dw-transposed", "linear-db-not-summed",
                "linear-db-keepdims", "linear-dx-wrong-weight", "linear-grad-averaged", "linear-no-bias",
                "linear-mutates-input", "relu-mutates-input", "relu-grad-at-zero", "relu-grad-from-dout",
                "relu-grad-ignores-dout", "relu-arguments-swapped", "float32-upcast"}
    assert len(WRONG) >= 20 and len(CORRECT) >= 6
    assert {f"bug:{bug}" for bug in required} <= ids


def test_the_no_bias_forward_also_explains_the_backward_failure(assignment):
    report = grade_submission(assignment, read_submission(CORPUS / "wrong" / "linear_no_bias.py"), seed=0)
    failed = {t.name.split("::")[1]: t for t in report.tests if not t.passed}
    assert failed["test_backward_matches_finite_differences"].bug_tags == ("bug:linear-no-bias",)
    assert "test_backward_matches_reference" not in failed  # its backward is right
