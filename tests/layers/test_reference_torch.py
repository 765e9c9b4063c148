"""The layers reference matches torch: Linear against torch.nn.functional.linear(x, W.T, b) and autograd,
ReLU against torch.relu and its backward (gradient 0 at exactly 0)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.reference import load_reference

if os.environ.get("AUTOGRADER_REQUIRE_TORCH") == "1":
    import torch  # a missing torch must fail here, not skip
else:
    torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

REFERENCE = load_reference(load_assignment("layers"))
TOLERANCE = {np.float64: (1e-12, 1e-13), np.float32: (1e-5, 1e-6)}  # (rtol, atol as a fraction of max|torch|)


def read_only(*arrays):
    out = []
    for array in arrays:
        array = np.array(array)
        array.flags.writeable = False
        out.append(array)
    return out


def assert_matches(ours, theirs, dtype, what):
    ours = np.asarray(ours)
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, torch {theirs.shape}"
    assert ours.dtype == theirs.dtype == dtype, f"{what}: dtype {ours.dtype}, torch {theirs.dtype}"
    rtol, floor = TOLERANCE[dtype]
    scale = float(np.abs(theirs).max(initial=0.0))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=floor * scale, err_msg=what)


def linear_case(seed: int):
    rng = np.random.default_rng(seed)
    dtype = (np.float64, np.float32)[seed % 2]
    n, d, m = (int(rng.choice([1, 2, 3, 7, 16, 33])) for _ in range(3))
    scale = float(rng.choice([0.1, 1.0, 30.0]))
    x = (scale * rng.standard_normal((n, d))).astype(dtype)
    w = rng.standard_normal((d, m)).astype(dtype)
    b = rng.standard_normal(m).astype(dtype)
    dout = rng.standard_normal((n, m)).astype(dtype)
    return x, w, b, dout


@pytest.mark.parametrize("seed", range(60))
def test_linear_matches_torch_functional_linear_with_the_weight_transposed(seed):
    x, w, b, dout = read_only(*linear_case(seed))
    dtype = x.dtype.type
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    # torch's weight is (M, D): F.linear(x, weight, bias) = x @ weight.T + bias, so our W (D, M) goes in as W.T.
    out = F.linear(tx, tw.T, tb)
    out.backward(torch.tensor(dout))
    assert_matches(REFERENCE.Linear.forward(x, w, b), out, dtype, "out")
    dx, dw, db = REFERENCE.Linear.backward(x, w, b, dout)
    assert_matches(dx, tx.grad, dtype, "dx")
    assert_matches(dw, tw.grad, dtype, "dW")
    assert_matches(db, tb.grad, dtype, "db")


def test_torch_layout_really_differs():
    """The reason for the transpose: torch.nn.Linear(D, M).weight has shape (M, D), ours (D, M)."""
    layer = torch.nn.Linear(4, 3)
    assert tuple(layer.weight.shape) == (3, 4)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    w, b = layer.weight.detach().numpy().T.copy(), layer.bias.detach().numpy()
    assert_matches(REFERENCE.Linear.forward(x, w, b), layer(torch.tensor(x)), np.float32, "nn.Linear")


def relu_case(seed: int):
    rng = np.random.default_rng(seed)
    dtype = (np.float64, np.float32)[seed % 2]
    shape = [(0,), (5,), (4, 3), (2, 3, 4), (1, 1)][seed % 5]
    x = rng.standard_normal(shape)
    x[rng.random(shape) < 0.3] = 0.0
    x[rng.random(shape) < 0.1] = -0.0
    return x.astype(dtype), rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("seed", range(40))
def test_relu_matches_torch_including_exact_zeros(seed):
    x, dout = read_only(*relu_case(seed))
    dtype = x.dtype.type
    tx = torch.tensor(x, requires_grad=True)
    out = torch.relu(tx)
    out.backward(torch.tensor(dout))
    assert_matches(REFERENCE.ReLU.forward(x), out, dtype, "out")
    assert_matches(REFERENCE.ReLU.backward(x, dout), tx.grad, dtype, "dx")


def test_relu_gradient_at_exactly_zero_is_zero_in_both():
    x, dout = read_only([[-1.0, 0.0, -0.0, 2.0]], [[5.0, 6.0, 7.0, 8.0]])
    tx = torch.tensor(x, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(dout))
    assert tx.grad.tolist() == [[0.0, 0.0, 0.0, 8.0]]
    assert REFERENCE.ReLU.backward(x, dout).tolist() == [[0.0, 0.0, 0.0, 8.0]]


@pytest.mark.parametrize("big", [1e30, float(np.finfo(np.float32).max), np.inf])
def test_relu_extremes_match_torch(big):
    for dtype in (np.float64, np.float32):
        x, dout = read_only(np.array([[big, -big, 0.0, 1e-45]], dtype=dtype), np.ones((1, 4), dtype=dtype))
        tx = torch.tensor(x, requires_grad=True)
        out = torch.relu(tx)
        out.backward(torch.tensor(dout))
        np.testing.assert_array_equal(REFERENCE.ReLU.forward(x), out.detach().numpy())
        np.testing.assert_array_equal(REFERENCE.ReLU.backward(x, dout), tx.grad.numpy())
