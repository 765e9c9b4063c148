"""Seeded hidden inputs for the layers graders: sizes that expose transposes, ReLU inputs with exact zeros."""

from __future__ import annotations

import numpy as np


def sizes(rng: np.random.Generator, low: int = 3, high: int = 24, *, square: bool = False) -> tuple[int, int, int]:
    """N, D, M, pairwise different (so any transposed result has the wrong shape); D == M if `square`."""
    d = int(rng.integers(2, 10))
    m = d if square else int(rng.choice([k for k in range(2, 11) if k != d]))
    n = int(rng.choice([k for k in range(low, high + 1) if k not in (d, m)]))
    return n, d, m


def linear_inputs(rng: np.random.Generator, n: int, d: int, m: int, *, dtype=np.float64, scale: float = 1.0):
    """x (N, D), W (D, M), b (M,) and dout (N, M), Gaussian, the bias clearly nonzero."""
    x = scale * rng.standard_normal((n, d))
    w = rng.standard_normal((d, m)) / np.sqrt(d)
    b = rng.standard_normal(m) + rng.choice([-1.0, 1.0], size=m)
    dout = rng.standard_normal((n, m))
    return tuple(a.astype(dtype) for a in (x, w, b, dout))


def relu_input(rng: np.random.Generator, shape: tuple[int, ...], *, zeros: float = 0.25, dtype=np.float64,
               away_from_zero: bool = False) -> np.ndarray:
    """Gaussian entries; a share `zeros` of them exactly 0, or, `away_from_zero`, none within 0.05 of the kink."""
    x = rng.standard_normal(shape)
    if away_from_zero:
        x = np.where(np.abs(x) < 0.05, np.sign(x + 1e-300) * (0.05 + np.abs(x)), x)
    else:
        x[rng.random(shape) < zeros] = 0.0
        x.flat[int(rng.integers(x.size))] = 0.0  # at least one exact zero
    return x.astype(dtype)


def relu_shape(rng: np.random.Generator) -> tuple[int, ...]:
    """A 2-D or 3-D shape: ReLU works entry by entry on any shape."""
    n, d = int(rng.integers(3, 15)), int(rng.integers(2, 12))
    return (n, d) if rng.random() < 0.6 else (n, d, int(rng.integers(2, 5)))


def describe(*arrays: np.ndarray, names: str = "x") -> str:
    shapes = ", ".join(f"{name} {a.shape}" for name, a in zip(names.split(), arrays))
    return f"random {arrays[0].dtype} inputs ({shapes})"
