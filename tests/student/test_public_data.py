"""The exact answers and misconception values hard-coded in celoss_checks.py are true, and public.

The module cannot import the grader (it ships to students with numpy only), so it carries copies: the
stability battery, the exact loss and dx of its public inputs, and what each catalogued mistake gives.
These tests recompute every copy from the reference, the graders' exact evaluator and their variants.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.reference import load_reference
from celoss import variants
from celoss.catalogue import BUGS
from celoss.exact import exact_table


@pytest.fixture(scope="module")
def reference():
    return load_reference(load_assignment("celoss")).CELoss


def test_the_public_probes_carry_exact_answers(checks):
    assert checks.PROBES
    for probe in checks.PROBES:
        table = exact_table(probe.x)
        n, c = probe.x.shape
        rows = np.arange(n)
        assert probe.loss == pytest.approx(float(np.mean(table.neglogp[rows, probe.y])), rel=1e-12), probe.name
        onehot = np.zeros((n, c))
        onehot[rows, probe.y] = 1.0
        np.testing.assert_allclose(probe.dx, (table.probs - onehot) / n, rtol=1e-9, atol=1e-15, err_msg=probe.name)
        assert not probe.x.flags.writeable


@pytest.mark.parametrize("case", ["WORKED", "SPARSE"])
def test_public_cases_hold_the_exact_answers_and_each_mistakes_value(checks, reference, case):
    case = getattr(checks, case)
    n, c = case.x.shape
    assert n != c and float(reference.forward(case.x, case.y)) == pytest.approx(case.loss, rel=1e-15)
    np.testing.assert_allclose(case.dx, reference.backward(case.x, case.y, 1.0)[0], rtol=1e-14, atol=1e-17)
    assert list(case.wrong_losses) == [(bug, pytest.approx(value, rel=1e-14))
                                       for bug, value in variants.forward_variants(case.x, case.y)
                                       if bug not in ("correct", "not-scalar")]


def test_the_sparse_case_misses_classes_including_the_last(checks):
    present = set(checks.SPARSE.y.tolist())
    assert checks.SPARSE.x.shape[1] - 1 not in present and len(present) < checks.SPARSE.x.shape[1]


def test_twins_have_the_stated_ratio_of_exact_answers(checks, reference):
    for bug, hard, hard_y, benign, benign_y, ratio in checks.TWINS + checks.FLOAT32_TWINS:
        exact = [float(reference.forward(np.array(x, dtype=np.float64), np.array(y))) for x, y in
                 ((hard, hard_y), (benign, benign_y))]
        assert exact[0] == pytest.approx(ratio * exact[1], rel=1e-12), bug


def test_every_misconception_the_checks_name_is_in_the_public_catalogue(checks):
    assert set(checks.MISCONCEPTIONS) - {"float32"} <= set(BUGS)


def test_the_tolerances_are_the_graders(checks):
    from autograder.checks.compare import ARRAY_TOLERANCE, SCALAR_TOLERANCE

    for precision in ("float64", "float32"):
        assert checks.LOSS_TOLERANCE[precision] == (SCALAR_TOLERANCE[precision].rtol, SCALAR_TOLERANCE[precision].atol_floor)
        assert checks.DX_TOLERANCE[precision] == (ARRAY_TOLERANCE[precision].rtol, ARRAY_TOLERANCE[precision].atol_scale)


def test_the_bonus_values_are_the_references(checks, reference):
    for options, value in checks.EXTENSION_LOSSES:
        given = {key: np.array(v) if isinstance(v, list) else v for key, v in options.items()}
        assert float(reference.forward(checks.WORKED.x, checks.WORKED.y, **given)) == pytest.approx(value, rel=1e-14)
    ignored = np.array([2, -100, 3])
    assert float(reference.forward(checks.WORKED.x, ignored)) == pytest.approx(0.5875860440801797, rel=1e-14)
