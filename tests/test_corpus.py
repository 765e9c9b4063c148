"""End to end through the engine and its sandbox: the reference and the correct corpus score full marks on
50 seeds, the release stub and the corpus stub score 0 with bug:not-implemented, every wrong corpus
file loses points and carries the tags its first line names, and every gaming attack scores at most
its honest twin (the same code without the trick)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path, grade_submission
from autograder.submission.extract import read_submission
from celoss import test_backward, test_forward, test_stability

from .corpus_support import ROOT, Corpus, expected_tags, failures_on_more_seeds

CORPUS = Corpus.of("celoss").root
WRONG = Corpus.of("celoss").wrong
CORRECT = Corpus.of("celoss").correct
ATTACKS = sorted(p for p in (CORPUS / "gaming").glob("*.py") if not p.name.startswith("twin_"))
SEEDS = 50
CORE_MODULES = (test_forward, test_backward, test_stability)


@pytest.fixture(scope="module")
def assignment():
    return load_assignment("celoss", ROOT)


def core_score(report) -> float:
    """Points from the core parts; `report.score` also counts the bonus part."""
    return sum(t.points for t in report.tests if not t.bonus and t.blame != "grader")


def _assert_full_marks(assignment, path: Path):
    report = grade_submission(assignment, read_submission(path), seed=0)
    assert not report.grader_errors, [t.message for t in report.grader_errors]
    failed = [(t.name, t.message) for t in report.tests if not t.passed and not t.bonus]
    assert core_score(report) == report.max_score == 10, failed
    assert not report.diagnoses
    assert failures_on_more_seeds(assignment, path, range(1, SEEDS), CORE_MODULES) == []


def test_reference_gets_full_marks_on_50_seeds(assignment):
    report = grade_submission(assignment, read_submission(assignment.source_notebook), seed=0)
    assert core_score(report) == report.max_score == 10 and not report.grader_errors
    assert report.score == 12, [(t.name, t.message) for t in report.tests if not t.passed]  # the bonus too
    assert failures_on_more_seeds(assignment, assignment.source_notebook, range(1, SEEDS), CORE_MODULES) == []


@pytest.mark.parametrize("stub", [CORPUS / "wrong" / "stub.py", ROOT / "assignments" / "celoss" / "celoss.ipynb"],
                         ids=["corpus-stub", "release-stub"])
def test_stub_scores_zero_with_not_implemented(assignment, stub):
    if not stub.exists():
        pytest.fail(f"{stub} is missing: run `nbgrader generate_assignment celoss` and commit the release")
    report = grade_submission(assignment, read_submission(stub), seed=0)
    assert report.score == 0
    assert not report.grader_errors
    assert "not-implemented" in report.diagnoses


@pytest.mark.parametrize("path", WRONG, ids=[p.stem for p in WRONG])
def test_wrong_submission_loses_points_with_its_tags(assignment, path):
    report = grade_submission(assignment, read_submission(path), seed=0)
    assert not report.grader_errors, [t.message for t in report.grader_errors]
    assert core_score(report) < report.max_score
    tags = {f"bug:{bug}" for t in report.tests for bug in t.bugs}
    assert expected_tags(path) <= tags, f"missing {expected_tags(path) - tags}; got {sorted(tags)}"


@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_submission_gets_full_marks_on_50_seeds(assignment, path):
    _assert_full_marks(assignment, path)


def test_corpus_is_large_enough():
    ids = set().union(*(expected_tags(p) for p in WRONG))
    required = {"not-implemented", "not-scalar", "sum-not-mean", "no-max-shift", "global-max-shift", "log-of-softmax",
                "wrong-axis", "label-offset", "grad-not-averaged", "grad-ignores-dout", "grad-sign",
                "grad-transposed", "grad-missing-onehot", "mutates-input"}
    assert len(WRONG) >= 30 and len(CORRECT) >= 8
    assert {f"bug:{bug}" for bug in required} <= ids


@pytest.mark.parametrize("attack", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_an_attack_scores_at_most_its_honest_twin(assignment, attack):
    twin = attack.with_name(f"twin_{attack.name}")
    assert twin.exists(), f"{attack.name} needs its honest twin {twin.name}"
    gamed, honest = grade_path(assignment, attack, seed=0), grade_path(assignment, twin, seed=0)
    assert not gamed.grader_errors and not honest.grader_errors
    assert gamed.score <= honest.score, [(t.name, t.points) for t in gamed.tests if t.passed]


def test_a_made_up_loss_with_its_exact_gradient_earns_nothing(assignment):
    report = grade_path(assignment, CORPUS / "gaming" / "made_up_loss.py", seed=0)
    assert report.score == 0, [t.name for t in report.tests if t.passed]
