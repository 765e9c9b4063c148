"""Diagnosis on in-process student modules: each bug is named by behaviour, and the key messages are pinned."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.result import CheckResult
from autograder.errors import StudentRaised
from celoss.catalogue import BUGS, explain
from celoss.diagnose import diagnose

from .inprocess import CORPUS, Student, load_module, reference

FAILED = CheckResult.fail("Checked: something.\nit came back wrong.")


@pytest.fixture(scope="module")
def ref():
    return reference().CELoss


def student(name: str, kind: str = "wrong"):
    return Student(load_module(CORPUS / kind / f"{name}.py")).CELoss


@pytest.mark.parametrize("name, stage, bug", [
    ("sum_not_mean", "forward", "sum-not-mean"),
    ("sum_not_mean", "gradcheck", "sum-not-mean"),
    ("per_sample_losses", "forward", "not-scalar"),
    ("mean_over_classes", "forward", "mean-over-classes"),
    ("missing_minus", "forward", "missing-minus"),
    ("label_offset", "forward", "label-offset"),
    ("label_offset", "backward", "label-offset"),
    ("label_offset_onehot", "backward", "label-offset"),
    ("wrong_axis_keepdims", "forward", "wrong-axis"),
    ("wrong_axis_keepdims", "backward", "wrong-axis"),
    ("index_broadcast", "forward", "index-broadcast"),
    ("grad_not_averaged", "backward", "grad-not-averaged"),
    ("not_averaged_loops_sign", "gradcheck", "grad-not-averaged"),
    ("grad_sign", "backward", "grad-sign"),
    ("grad_transposed", "backward", "grad-transposed"),
    ("grad_missing_onehot", "backward", "grad-missing-onehot"),
    ("grad_ignores_dout", "dout", "grad-ignores-dout"),
    ("grad_ignores_dout_loops", "dout", "grad-ignores-dout"),
    ("dy_not_zero", "backward", "dy-not-zero"),
    ("classes_from_max_label", "backward", "classes-from-labels"),
])
def test_value_bugs_are_named_by_their_outputs(ref, name, stage, bug):
    result = diagnose(FAILED, student(name), ref, np.random.default_rng(3), stage=stage)
    assert result.bug == bug
    assert result.message.startswith(FAILED.message + f"\nLikely misconception (bug:{bug}): ")


@pytest.mark.parametrize("name, backward, bug", [
    ("naive_softmax", False, "no-max-shift"),
    ("naive_loops", False, "no-max-shift"),
    ("naive_logsumexp", True, "no-max-shift"),
    ("float32_naive", False, "no-max-shift"),
    ("global_max", False, "global-max-shift"),
    ("global_max_helper", True, "global-max-shift"),
    ("log_of_softmax", False, "log-of-softmax"),
    ("log_of_softmax_eps", False, "log-of-softmax"),
    ("log_of_softmax_loops", False, "log-of-softmax"),
    ("mask_times_log", False, "mask-times-log"),
])
def test_stability_bugs_are_told_apart_by_which_probe_breaks(ref, name, backward, bug):
    failure = CheckResult.fail("Checked: the battery.", stage="backward" if backward else "forward")
    with np.errstate(all="ignore"):
        result = diagnose(failure, student(name), ref, np.random.default_rng(0), stage="stability")
    assert result.bug == bug


def test_two_stability_bugs_are_both_named_each_with_its_probe(ref):
    failure = CheckResult.fail("Checked: the hard logits.", stage="forward")
    result = diagnose(failure, student("log_of_softmax_global_max"), ref, np.random.default_rng(0), stage="stability")
    assert set(result.bugs) == {"global-max-shift", "log-of-softmax"}
    assert result.message.count("The probe that exposes it: x = ") == 2
    assert "Why it matters: the second row lies far below the batch's largest logit" in result.message
    assert "Why it matters: the target's probability is below the smallest float64 number" in result.message


def test_why_it_matters_fits_the_bug_not_the_probe(ref):
    failure = CheckResult.fail("Checked: the hard logits.", stage="forward")
    result = diagnose(failure, student("log_of_softmax"), ref, np.random.default_rng(0), stage="stability")
    assert result.bugs == ("log-of-softmax",)
    assert "shift each row" not in result.message.split("Likely misconception")[0]


class _NanAtNegInfFromAMinShift:
    """Wrong at -inf, but not through a mask: it shifts by the row minimum, so -inf - (-inf) is nan."""

    @staticmethod
    def forward(x, y):
        z = x - x.min(axis=1, keepdims=True) - (x.max(axis=1, keepdims=True) - x.min(axis=1, keepdims=True))
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))

    @staticmethod
    def backward(x, y, dout):
        raise NotImplementedError


def test_mask_times_log_needs_its_confirming_probe(ref):
    failure = CheckResult.fail("Checked: the hard logits.", stage="forward")
    with np.errstate(all="ignore"):
        result = diagnose(failure, Student(_Module(_NanAtNegInfFromAMinShift)).CELoss, ref, np.random.default_rng(0),
                          stage="stability")
    assert "mask-times-log" not in result.bugs


class _Module:
    def __init__(self, cls):
        self.CELoss = cls


class _CrashesUnlessSquare:
    @staticmethod
    def forward(x, y):
        if x.shape[0] != x.shape[1]:
            raise UnboundLocalError("cannot access local variable 'total' where it is not associated with a value")
        return 1.0

    backward = forward


def test_an_unbound_local_crash_is_not_wrong_axis(ref):
    celoss = Student(_Module(_CrashesUnlessSquare)).CELoss
    rng = np.random.default_rng(5)
    with pytest.raises(StudentRaised) as caught:
        celoss.forward(np.zeros((9, 4)), np.zeros(9, np.int64))
    failure = CheckResult.fail("Checked: forward.", error=caught.value)
    assert diagnose(failure, celoss, ref, rng, stage="forward").bug is None


def test_label_offset_does_not_pose_as_instability(ref):
    failure = CheckResult.fail("Checked: the battery.", stage="forward")
    result = diagnose(failure, student("label_offset"), ref, np.random.default_rng(0), stage="stability")
    assert result.bug is None and result.message == failure.message


@pytest.mark.parametrize("name, bug", [
    ("wrong_axis_crash", "wrong-axis"),
    ("classes_from_labels", "classes-from-labels"),
])
def test_crashes_are_explained_by_probes(ref, name, bug):
    celoss = student(name)
    rng = np.random.default_rng(5)
    x, y = 2.5 * rng.standard_normal((9, 4)), np.array([0, 1, 1, 0, 3, 0, 1, 3, 0])
    with pytest.raises(StudentRaised) as caught:
        celoss.forward(x, y)
    failure = CheckResult.fail("Checked: forward.", error=caught.value)
    assert diagnose(failure, celoss, ref, rng, stage="forward").bug == bug


def test_read_only_write_is_mutates_input(ref):
    celoss = student("mutates_input")
    with pytest.raises(StudentRaised) as caught:
        celoss.forward(np.ones((3, 2)), np.array([0, 1, 0]))
    failure = CheckResult.fail(caught.value.student_message, error=caught.value)
    result = diagnose(failure, celoss, ref, np.random.default_rng(0), stage="forward")
    assert result.bug == "mutates-input"
    assert result.message == (
        "CELoss.forward raised ValueError: output array is read-only\n"
        "Likely misconception (bug:mutates-input): the code changes its input array in place (for example "
        "x -= x.max(...)), which corrupts the caller's logits; the grader passes read-only arrays, so the write failed.\n"
        "How to fix it: make a new array instead: x = x - x.max(axis=1, keepdims=True), or work on x.copy()."
    )


def test_an_existing_tag_is_kept_and_explained(ref):
    failure = CheckResult.fail("CELoss.forward raised NotImplementedError", bug="not-implemented")
    result = diagnose(failure, student("stub"), ref, np.random.default_rng(0), stage="forward")
    assert result.bug == "not-implemented" and "replace each `raise NotImplementedError`" in result.message


@pytest.mark.parametrize("name", sorted(p.stem for p in (CORPUS / "correct").glob("*.py")))
def test_correct_code_gets_no_diagnosis(ref, name):
    celoss = student(name, "correct")
    for stage in ("forward", "backward", "gradcheck", "dout", "stability"):
        result = diagnose(FAILED, celoss, ref, np.random.default_rng(1), stage=stage)
        assert result.bug is None, (stage, result.bug)


def test_unknown_failures_stay_undiagnosed(ref):
    class Weird:
        @staticmethod
        def forward(x, y):
            return 42.0

        @staticmethod
        def backward(x, y, dout):
            return np.full(x.shape, 7.0), 0.0

    for stage in ("forward", "backward", "gradcheck", "stability"):
        assert diagnose(FAILED, Weird, ref, np.random.default_rng(0), stage=stage) == FAILED


PINNED = {
    "sum-not-mean": "Likely misconception (bug:sum-not-mean): the per-sample losses are added up but not divided by N, "
                    "so the loss is N times too large.\nHow to fix it: divide the sum by N = x.shape[0], or use np.mean.",
    "no-max-shift": "Likely misconception (bug:no-max-shift): the softmax is computed as exp(x) / sum(exp(x)) without "
                    "subtracting a max first",
    "global-max-shift": "Likely misconception (bug:global-max-shift): the logits are shifted by the max of the whole "
                        "batch (x.max()) instead of each row's own max",
    "log-of-softmax": "Likely misconception (bug:log-of-softmax): the loss takes log(softmax(x)[y]);",
    "grad-transposed": "Likely misconception (bug:grad-transposed): dx comes back transposed, with shape (C, N) "
                       "instead of the shape of x, (N, C).",
    "grad-ignores-dout": "Likely misconception (bug:grad-ignores-dout): backward ignores dout, but it must return "
                         "dout * d(loss)/dx (the chain rule).\nHow to fix it: multiply dx by dout; dout may be a Python "
                         "float or a 0-d array.",
}


@pytest.mark.parametrize("bug", sorted(PINNED))
def test_key_explanations_are_pinned(bug):
    assert explain(bug).startswith(PINNED[bug])


def test_catalogue_covers_the_required_ids_and_every_entry_has_a_fix():
    required = {"not-implemented", "not-scalar", "sum-not-mean", "no-max-shift", "global-max-shift", "log-of-softmax",
                "wrong-axis", "label-offset", "grad-not-averaged", "grad-ignores-dout", "grad-sign",
                "grad-transposed", "grad-missing-onehot", "mutates-input"}
    assert required <= set(BUGS)
    for bug in BUGS.values():
        assert bug.misconception.endswith(".") and bug.fix.endswith(".")
        assert "\nHow to fix it: " in bug.explanation()


def test_bugs_md_documents_every_id_with_an_example():
    text = (CORPUS.parents[2] / "graders" / "celoss" / "BUGS.md").read_text()
    for bug in BUGS:
        section = text.split(f"### `{bug}`", 1)
        assert len(section) == 2, bug
        assert f"Likely misconception (bug:{bug})" in section[1].split("### ", 1)[0], bug
