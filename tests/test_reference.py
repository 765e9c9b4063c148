"""The reference loads from the source notebook and follows ASSIGNMENT.md's table without torch."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from autograder.course.assignment import Assignment, load_assignment
from autograder.errors import GraderError
from autograder.grading.reference import load_module_from_cells, load_reference

ASSIGNMENT = load_assignment("celoss")
X = np.array([[1, 2, 3, 0.5], [-1, 0, 4, 2], [0.3, 0.3, -2, 1]])
Y = np.array([2, 0, 3])


@pytest.fixture(scope="module")
def CELoss():
    return load_reference(ASSIGNMENT).CELoss


def read_only(array, dtype=None):
    array = np.array(array, dtype=dtype)
    array.flags.writeable = False
    return array


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, 2.1079757563682535),
        ({"reduction": "sum"}, 6.32392726910476),
        ({"weight": np.array([1, 2, 0.5, 3])}, 1.671630605007411),
        ({"label_smoothing": 0.1}, 2.115475756368254),
        ({"label_smoothing": -0.3}, 2.1079757563682535),
    ],
)
def test_table_values(CELoss, options, expected):
    assert CELoss.forward(read_only(X), read_only(Y), **options) == pytest.approx(expected, rel=1e-12)


def test_mean_is_a_scalar_of_the_logits_dtype(CELoss):
    for dtype in (np.float64, np.float32):
        loss = CELoss.forward(read_only(X, dtype), read_only(Y))
        assert np.ndim(loss) == 0 and np.asarray(loss).dtype == dtype
        dx, dy = CELoss.backward(read_only(X, dtype), read_only(Y), 1.0)
        assert dx.shape == X.shape and dx.dtype == dtype and dy == 0.0
        dx, _ = CELoss.backward(read_only(X, dtype), read_only(Y), np.array(2.0))
        assert dx.dtype == dtype


def test_none_reduction_and_kdim_shapes(CELoss):
    assert CELoss.forward(X, Y, reduction="none").shape == (3,)
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 5))
    y = np.random.default_rng(1).integers(0, 4, size=(2, 3, 5))
    assert CELoss.forward(x, y, reduction="none").shape == (2, 3, 5)
    assert CELoss.backward(x, y, np.ones((2, 3, 5)), reduction="none")[0].shape == x.shape
    flat = np.moveaxis(x, 1, -1).reshape(-1, 4)
    assert CELoss.forward(x, y) == pytest.approx(CELoss.forward(flat, y.reshape(-1)), rel=1e-14)


def test_gradient_formula_and_row_sums(CELoss):
    dx, _ = CELoss.backward(read_only(X), read_only(Y), 0.37)
    p = np.exp(X) / np.exp(X).sum(axis=1, keepdims=True)
    p[np.arange(3), Y] -= 1
    np.testing.assert_allclose(dx, 0.37 * p / 3, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-16)


def test_inputs_are_never_modified(CELoss):
    x, y = X.copy(), Y.copy()
    for options in ({}, {"weight": np.ones(4), "label_smoothing": 0.2}):
        CELoss.forward(x, y, **options)
        CELoss.backward(x, y, 1.0, **options)
    assert np.array_equal(x, X) and np.array_equal(y, Y)


@pytest.mark.parametrize("labels, bad", [([2, 0, 4], "4"), ([2, -1, 3], "-1"), ([7, 0, 3], "7")])
def test_out_of_range_label_is_named(CELoss, labels, bad):
    for call in (lambda: CELoss.forward(X, np.array(labels)), lambda: CELoss.backward(X, np.array(labels), 1.0)):
        with pytest.raises(ValueError, match=rf"target {bad} "):
            call()


def test_label_smoothing_above_one_is_an_error(CELoss):
    with pytest.raises(ValueError, match="label_smoothing"):
        CELoss.forward(X, Y, label_smoothing=1.5)


def test_edge_cases(CELoss):
    empty_x, empty_y = np.zeros((0, 3)), np.zeros(0, dtype=int)
    assert np.isnan(CELoss.forward(empty_x, empty_y))
    assert CELoss.forward(empty_x, empty_y, reduction="sum") == 0
    assert CELoss.forward(empty_x, empty_y, reduction="none").shape == (0,)
    assert CELoss.backward(empty_x, empty_y, 1.0)[0].shape == (0, 3)
    assert CELoss.forward(np.array([[5.0], [-3.0]]), np.array([0, 0])) == 0
    assert np.all(CELoss.backward(np.array([[5.0], [-3.0]]), np.array([0, 0]), 1.0)[0] == 0)
    x = np.array([[0, -np.inf, 1]])
    assert CELoss.forward(x, np.array([0])) == pytest.approx(1.3132616875182228, rel=1e-14)
    np.testing.assert_allclose(CELoss.backward(x, np.array([0]), 1.0)[0], [[-0.7310585786300049, 0, 0.7310585786300049]])
    assert CELoss.forward(x, np.array([1])) == np.inf
    assert np.isnan(CELoss.forward(np.array([[0, np.inf, 1]]), np.array([0])))
    assert np.isnan(CELoss.forward(np.array([[0, np.nan, 1]]), np.array([0])))


@pytest.mark.parametrize("big", [1e4, 1e30])
def test_huge_logits(CELoss, big):
    x = np.array([[big, 0, -big]])
    assert [CELoss.forward(x, np.array([k])) for k in range(3)] == [0, big, 2 * big]
    np.testing.assert_array_equal(CELoss.backward(np.vstack([x, x]), np.array([1, 1]), 1.0)[0], [[0.5, -0.5, 0]] * 2)


def test_all_rows_ignored(CELoss):
    y = np.full(3, -100)
    assert np.isnan(CELoss.forward(X, y))
    assert CELoss.forward(X, y, reduction="sum") == 0
    assert np.all(CELoss.backward(X, y, 1.0)[0] == 0)
    assert np.all(CELoss.backward(X, y, 1.0, label_smoothing=0.2, weight=np.ones(4))[0] == 0)


def test_reference_is_cached_until_the_notebook_changes(tmp_path):
    assert load_reference(ASSIGNMENT) is load_reference(ASSIGNMENT)
    copy = tmp_path / "celoss.ipynb"
    copy.write_bytes(ASSIGNMENT.source_notebook.read_bytes())
    other = Assignment("celoss", tmp_path, copy, ASSIGNMENT.graders_dir, ASSIGNMENT.declaration)
    first = load_reference(other)
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_reference(other) is first  # touched, not changed: the content fingerprint is the same
    copy.write_bytes(copy.read_bytes() + b"\n")
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    assert load_reference(other) is not first


def _notebook(path, *sources):
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None} for s in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return Assignment("broken", path.parent, path, ASSIGNMENT.graders_dir, ASSIGNMENT.declaration)


def test_missing_celoss_is_a_grader_error(tmp_path):
    with pytest.raises(GraderError, match="does not define CELoss"):
        load_reference(_notebook(tmp_path / "a.ipynb", "import numpy as np\nclass Other: pass"))


def test_failing_cell_is_a_grader_error(tmp_path):
    with pytest.raises(GraderError, match="raised ZeroDivisionError"):
        load_reference(_notebook(tmp_path / "b.ipynb", "x = 1", "1 / 0"))


def test_load_module_from_cells_names_the_failing_cell():
    module = load_module_from_cells(["a = 2", "b = a * 3"], "demo")
    assert (module.a, module.b, module.__name__) == (2, 6, "demo")
    with pytest.raises(NameError) as info:
        load_module_from_cells(["a = 2", "c = missing"], "demo")
    assert "while running code cell 2 of demo" in info.value.__notes__
