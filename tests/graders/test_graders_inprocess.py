"""The hidden graders run in-process on the corpus (fast, many seeds); tests/test_corpus.py repeats this through
the engine's sandbox. Also guards the cost of a passing submission: few student calls, no diagnosis."""

from __future__ import annotations

import numpy as np
import pytest

from celoss import diagnose as diagnose_module
from ..corpus_support import expected_tags
from .inprocess import CORPUS, InProcess, grade, load_module, reference

WRONG = sorted((CORPUS / "wrong").glob("*.py"))
CORRECT = sorted((CORPUS / "correct").glob("*.py"))
ATTACKS = sorted(p for p in (CORPUS / "gaming").glob("*.py") if not p.name.startswith("twin_"))


@pytest.fixture(scope="module")
def ref():
    return reference()


def core(outcomes):
    return sum(o.points for o in outcomes if not o.bonus), sum(o.max_points for o in outcomes if not o.bonus)


def test_points_add_up_to_the_rubric(ref):
    outcomes = grade(load_module(CORPUS / "correct" / "vectorised.py"), 0, ref)
    assert core(outcomes) == (10.0, 10.0)
    assert sum(o.max_points for o in outcomes if o.bonus) == 2.0


@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_code_gets_full_marks_on_many_seeds(ref, path):
    module = load_module(path)
    for seed in range(60):
        got, most = core(grade(module, seed, ref))
        assert got == most, seed


@pytest.mark.parametrize("path", WRONG, ids=[p.stem for p in WRONG])
def test_wrong_code_loses_points_with_its_tags_on_several_seeds(ref, path):
    module = load_module(path)
    for seed in range(8):
        outcomes = grade(module, seed, ref)
        got, most = core(outcomes)
        tags = {t for o in outcomes for t in o.bug_tags}
        assert got < most and expected_tags(path) <= tags, (seed, sorted(tags))


def test_reference_earns_the_bonus_and_a_core_only_student_does_not(ref):
    class AsModule:
        CELoss = ref.CELoss

    outcomes = grade(AsModule, 0, ref)
    assert all(o.passed for o in outcomes)
    plain = grade(load_module(CORPUS / "correct" / "row_loops.py"), 0, ref)
    assert not any(o.passed for o in plain if o.bonus)
    assert all(o.message.startswith("Checked: CELoss.forward and CELoss.backward with ") for o in plain if o.bonus)


def test_a_passing_submission_costs_few_calls_and_no_diagnosis(ref, monkeypatch):
    def no_diagnosis(failure, student, reference, rng, stage):
        assert stage == "extensions", f"diagnosis ran for a passing core test ({stage})"
        return None

    monkeypatch.setattr(diagnose_module, "_find", no_diagnosis)
    module = load_module(CORPUS / "correct" / "vectorised.py")
    caller = InProcess(module)
    outcomes = grade(module, 0, ref, caller=caller)
    assert core(outcomes) == (10.0, 10.0)
    assert len(caller.calls) <= 80, len(caller.calls)


def test_messages_never_contain_a_hidden_array(ref):
    for name in ("sum_not_mean", "grad_sign", "grad_missing_onehot", "label_offset"):
        for outcome in grade(load_module(CORPUS / "wrong" / f"{name}.py"), 0, ref):
            assert "array(" not in outcome.message and len(outcome.message) < 1500
            assert not outcome.message or outcome.message.startswith("Checked: ")


@pytest.mark.parametrize("attack", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attacks_score_at_most_their_twins_on_several_seeds(ref, attack):
    gamed, honest = load_module(attack), load_module(attack.with_name(f"twin_{attack.name}"))
    for seed in range(6):
        assert core(grade(gamed, seed, ref))[0] <= core(grade(honest, seed, ref))[0], seed


def test_a_made_up_loss_earns_nothing_on_any_seed(ref):
    module = load_module(CORPUS / "gaming" / "made_up_loss.py")
    for seed in range(6):
        outcomes = grade(module, seed, ref)
        assert sum(o.points for o in outcomes) == 0, [o.name for o in outcomes if o.passed]
    gate = next(o for o in outcomes if o.name.endswith("test_dx_matches_finite_differences"))
    assert "so it pays only when CELoss.forward computes cross-entropy, or one of its known misreadings" in gate.message


@pytest.mark.parametrize("name", ["sum_not_mean", "per_sample_losses", "grad_not_averaged", "label_offset"])
def test_a_value_bug_costs_no_stability_points(ref, name):
    module = load_module(CORPUS / "wrong" / f"{name}.py")
    for seed in range(4):
        stability = [o for o in grade(module, seed, ref) if o.part == "stability"]
        assert len(stability) == 3 and all(o.passed for o in stability), (seed, [o.message for o in stability])


def test_parts_are_reported_in_rubric_order(ref):
    parts = [o.part for o in grade(load_module(CORPUS / "correct" / "vectorised.py"), 0, ref)]
    assert list(dict.fromkeys(parts)) == ["forward", "backward", "stability", "extensions"]


def test_an_unattempted_bonus_part_reads_not_attempted_without_a_tag(ref):
    for name in ("row_loops", "vectorised"):
        bonus = [o for o in grade(load_module(CORPUS / "correct" / f"{name}.py"), 0, ref) if o.bonus]
        assert bonus and all(not o.passed and not o.bugs for o in bonus)
        assert all("\nnot attempted (bonus): " in o.message for o in bonus)


class _RaggedModule:
    class CELoss:
        @staticmethod
        def forward(x, y, **kwargs):
            return [np.zeros(3), 1.0]

        @staticmethod
        def backward(x, y, dout, **kwargs):
            return [np.zeros(3), 1.0], [np.zeros(2), "dy"]


def test_ragged_replies_are_the_students_failure_never_a_grader_error(ref):
    outcomes = grade(_RaggedModule, 0, ref)
    assert [o.name for o in outcomes if o.blame == "grader"] == []
    assert sum(o.points for o in outcomes) == 0
