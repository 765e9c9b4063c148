"""The shipped visible checks: their key teaching messages, diagnosis from behaviour, and the gradient checker."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import ANSWERS, CORPUS, load_file


def report(checks, path, part):
    return checks.PARTS[part](load_file(path).CELoss)


def test_the_reference_passes_every_part_and_the_gradient_checker(checks):
    from autograder.course.assignment import load_assignment
    from autograder.grading.reference import load_reference

    celoss = load_reference(load_assignment("celoss")).CELoss
    assert all(checks.PARTS[part](celoss).passed for part in checks.PARTS)
    assert checks.check_gradient(celoss, checks.SPARSE.x, checks.SPARSE.y).passed


def test_no_shift_at_all_is_not_called_a_global_max(checks):
    text = str(report(checks, CORPUS / "wrong" / "naive_softmax.py", "stability"))
    assert "without subtracting a max first" in text
    assert "one max is used for the whole batch" not in text


def test_a_global_max_is_named_as_such(checks):
    text = str(report(checks, CORPUS / "wrong" / "global_max.py", "stability"))
    assert "FAIL  rows 800 apart" in text
    assert "likely: one max is used for the whole batch (x.max()), so a row far below it still underflows" in text
    assert "without subtracting a max" not in text and "log of a softmax" not in text


def test_two_stability_bugs_are_both_named(checks):
    text = str(report(checks, ANSWERS / "global_max_and_log_of_softmax.py", "stability"))
    assert "one max is used for the whole batch" in text and "the log of a softmax probability" in text
    assert "fix:    shift each row by its own max: x - x.max(axis=1, keepdims=True); compute log p" in text


def test_a_log_of_a_stable_softmax_is_not_told_that_exp_overflows(checks):
    text = str(report(checks, ANSWERS / "stable_softmax_then_log_in_dtype.py", "stability"))
    assert "the loss takes the log of a softmax probability" in text
    assert "overflow" not in text and "exp(100)" not in text


def test_a_clipped_log_is_diagnosed_although_its_loss_is_finite(checks):
    text = str(report(checks, ANSWERS / "clipped_log_of_softmax.py", "stability"))
    assert "got:    loss 27.631021115928547" in text and "the log of a softmax probability" in text


def test_a_value_bug_in_part_1_is_not_called_an_instability(checks):
    text = str(report(checks, CORPUS / "wrong" / "sum_not_mean.py", "stability"))
    assert "Part 1 or Part 2 is not right on ordinary logits either" in text
    assert "max" not in text.split("likely:")[1].split("\n")[0]
    forward = str(report(checks, CORPUS / "wrong" / "sum_not_mean.py", "forward"))
    assert "likely: the row losses are added up but not divided by N" in forward


def test_a_read_only_write_gets_its_specific_fix(checks):
    text = str(report(checks, CORPUS / "wrong" / "mutates_input.py", "forward"))
    assert "raised ValueError: output array is read-only" in text
    assert "fix:    make a new array instead: x = x - x.max(axis=1, keepdims=True), or work on x.copy()" in text


def test_an_index_error_gets_its_specific_fix(checks):
    class OffByOne:
        @staticmethod
        def forward(x, y):
            return float(np.mean(np.log(np.exp(x).sum(axis=1)) - x[np.arange(len(y)), y + 1]))

    line = checks._forward_line(OffByOne, checks.WORKED)
    assert line.got.startswith("CELoss.forward raised IndexError: index 4 is out of bounds")
    assert line.fix == ("pick one entry per row with x[np.arange(N), y]; labels are 0-based classes in [0, C), "
                        "C = x.shape[1]")


@pytest.mark.parametrize("name, likely", [
    ("grad_not_averaged", "dx is missing the 1/N of the mean"),
    ("grad_sign", "dx has the wrong sign"),
    ("grad_missing_onehot", "the one-hot of the labels is never subtracted"),
    ("grad_transposed", "dx comes back transposed"),
    ("grad_ignores_dout", "backward ignores dout"),
    ("dy_not_zero", "backward returns a nonzero gradient for the labels"),
    ("label_offset", "the labels are shifted by one"),
    ("per_sample_losses", "forward returns an array"),
    ("classes_from_max_label", "the number of classes comes from the labels"),
    ("missing_minus", "the minus sign is missing"),
])
def test_part_1_and_2_misconceptions_are_named(checks, name, likely):
    texts = [str(report(checks, CORPUS / "wrong" / f"{name}.py", part)) for part in ("forward", "backward")]
    assert any(f"likely: {likely}" in text for text in texts), texts


def test_float32_rounding_on_float64_inputs_is_named(checks):
    text = str(report(checks, CORPUS / "wrong" / "float32_on_float64_inputs.py", "forward"))
    assert "likely: the result agrees only to about 1e-7: float32 rounding" in text


def test_conversions_to_float64_and_unusual_return_types_pass(checks):
    module = load_file(ANSWERS / "float32_input_casts_to_float64.py")
    assert all(checks.PARTS[part](module.CELoss).passed for part in ("forward", "backward", "stability"))


def test_the_gradient_checker_prints_the_ratio_and_what_it_means(checks):
    text = str(checks.check_gradient(load_file(CORPUS / "wrong" / "grad_not_averaged.py").CELoss,
                                     checks.WORKED.x, checks.WORKED.y))
    assert text.startswith("FAIL  max|numeric - analytic| / max|analytic| = 6.67e-01 (allowed 1e-07, h = 1e-05)")
    assert "numeric / analytic = 0.3333 at every entry" in text
    assert "a ratio of N (the batch size, here 3) means forward and backward disagree about the 1/N" in text
    assert "Here the ratio is 1/N: backward is missing the 1/N that forward has" in text


def test_the_gradient_checker_survives_a_forward_that_returns_an_array(checks):
    celoss = load_file(CORPUS / "wrong" / "per_sample_losses.py").CELoss
    result = checks.check_gradient(celoss, checks.WORKED.x, checks.WORKED.y)
    assert result.status == "FAIL"
    assert "forward returned not a scalar: an array of shape (3,)" in result.summary
    assert checks.check_stability(celoss).lines, "the checks after the checker still run"


def test_the_gradient_checker_passes_options_and_tolerates_odd_returns(checks):
    class Raises:
        @staticmethod
        def forward(x, y, **options):
            raise KeyError("oops")

        @staticmethod
        def backward(x, y, dout, **options):
            return np.zeros_like(x), 0.0

    result = checks.check_gradient(Raises, checks.WORKED.x, checks.WORKED.y, weight=None)
    assert result.status == "FAIL" and "CELoss.forward raised KeyError" in result.summary


def test_an_unattempted_bonus_reads_not_attempted(checks):
    text = str(report(checks, CORPUS / "correct" / "vectorised.py", "extensions"))
    assert text == "Part 4 (bonus), torch's options: not attempted (bonus). Skipping it costs nothing."


def test_the_stub_reads_todo_not_fail(checks, tmp_path):
    from autograder.submission.extract import notebook_cells
    from autograder.grading.reference import load_module_from_cells
    from .conftest import RELEASE

    stub = load_module_from_cells(notebook_cells((RELEASE / "celoss.ipynb").read_text())[0], "stub")
    for part in ("forward", "backward", "stability"):
        text = str(checks.PARTS[part](stub.CELoss))
        assert "TODO  CELoss." in text and "still raises NotImplementedError" in text and "FAIL" not in text
    assert str(checks.check_extensions(stub.CELoss)).endswith("not attempted (bonus). Skipping it costs nothing.")


def test_an_item_assignment_into_the_input_gets_the_read_only_fix(checks):
    class WritesIntoX:
        @staticmethod
        def backward(x, y, dout):
            x[np.arange(len(y)), y] -= 1  # reuses x as the gradient buffer
            return x, 0.0

    line = checks._backward_line(WritesIntoX, checks.WORKED)
    assert line.got == "CELoss.backward raised ValueError: assignment destination is read-only"
    assert line.likely.startswith("your code writes into an input array (x -= m, x[...] = ..., or out=x)")


def test_a_students_prints_and_warnings_never_fail_validation(checks, capsys):
    import sys
    import warnings

    module = load_file(CORPUS / "correct" / "vectorised.py")

    class Chatty:
        @staticmethod
        def forward(x, y):
            print("debug", file=sys.stderr)
            warnings.warn("a student's own warning")
            return module.CELoss.forward(x, y)

    checks.validate("forward", {"CELoss": Chatty})
    out = capsys.readouterr()
    assert out.err == "" and "every public check passes" in out.out


def test_strange_return_values_fail_a_line_and_never_stop_the_checks(checks):
    class Strange:
        @staticmethod
        def forward(x, y):
            return [[1.0], [1.0, 2.0]]  # ragged: np.ndim cannot read it

        @staticmethod
        def backward(x, y, dout):
            return object(), "zero"

    for part in ("forward", "backward", "stability", "extensions"):
        report = checks.PARTS[part](Strange)
        assert not report.passed and report.lines
    text = str(checks.check_forward(Strange))
    assert "got:    what came back could not be read: ValueError" in text
    assert "dx is <object object" in str(checks.check_backward(Strange))
    assert checks.check_gradient(Strange, checks.WORKED.x, checks.WORKED.y).status == "FAIL"


def test_the_gradient_checker_says_when_the_ratio_is_n(checks):
    class SumsButAverages:
        @staticmethod
        def forward(x, y):
            z = x - x.max(axis=1, keepdims=True)
            return -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[np.arange(len(y)), y].sum()

        @staticmethod
        def backward(x, y, dout):
            e = np.exp(x - x.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            return p * dout / len(y), 0.0

    text = str(checks.check_gradient(SumsButAverages, checks.SPARSE.x, checks.SPARSE.y))
    assert "numeric / analytic = 6 at every entry" in text and text.endswith(". Here the ratio is N")
