"""The reference forward+backward against torch CPU (one thread), and against the memory-bandwidth floor."""

from __future__ import annotations

import time

import numpy as np

from autograder.course.assignment import load_assignment
from autograder.grading.reference import load_reference
from bench.common import median

SHAPES = ((64, 10), (4096, 1000), (65536, 10))
DTYPES = ("float32", "float64")


def _best_of(function, budget: float = 0.4, least: int = 5) -> float:
    """Median seconds per call over at least `least` calls or about `budget` seconds, after one warm-up."""
    function()
    times = []
    deadline = time.perf_counter() + budget
    while len(times) < least or time.perf_counter() < deadline:
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
        if len(times) >= 2000:
            break
    return median(times)


def copy_bandwidth(megabytes: int = 256) -> float:
    """Bytes per second moved by np.copyto between two large arrays (a read plus a write per byte copied)."""
    source = np.ones(megabytes * 2**20 // 8)
    target = np.empty_like(source)
    seconds = _best_of(lambda: np.copyto(target, source), budget=1.0)
    return 2 * source.nbytes / seconds


def measure() -> dict:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    reference = load_reference(load_assignment("celoss")).CELoss
    bandwidth = copy_bandwidth()
    rng = np.random.default_rng(0)
    cases = []
    for n, c in SHAPES:
        for dtype in DTYPES:
            x = (3 * rng.standard_normal((n, c))).astype(dtype)
            y = rng.integers(0, c, size=n)
            x.flags.writeable = False

            def ours():
                reference.forward(x, y)
                reference.backward(x, y, 1.0)

            tx, ty = torch.from_numpy(x.copy()), torch.from_numpy(y)

            def theirs():
                leaf = tx.detach().requires_grad_()
                F.cross_entropy(leaf, ty).backward()

            ours_s, torch_s = _best_of(ours), _best_of(theirs)
            floor = 2 * x.nbytes / bandwidth  # read x once, write dx once
            cases.append({
                "shape": [n, c], "dtype": dtype, "reference_seconds": ours_s, "torch_seconds": torch_s,
                "reference_over_torch": ours_s / torch_s, "floor_seconds": floor,
                "reference_fraction_of_floor": floor / ours_s, "torch_fraction_of_floor": floor / torch_s,
            })
    return {"copy_bandwidth_gb_per_s": bandwidth / 1e9, "torch_threads": torch.get_num_threads(), "cases": cases,
            "note": "reference = forward then backward, each from x (as the graders call it); torch = forward, "
                    "backward through autograd; floor = (bytes of x + bytes of dx) / copy bandwidth"}


def rows(result: dict) -> list[tuple[str, str, str]]:
    out = [("copy bandwidth (np.copyto, 256 MiB)", f"{result['copy_bandwidth_gb_per_s']:.1f} GB/s", "")]
    for case in result["cases"]:
        n, c = case["shape"]
        out.append((f"reference fwd+bwd ({n},{c}) {case['dtype']}",
                    f"{case['reference_over_torch']:.2f}x torch",
                    f"{case['reference_seconds'] * 1e3:.3f} ms vs {case['torch_seconds'] * 1e3:.3f} ms; "
                    f"{case['reference_fraction_of_floor']:.1%} of floor (torch {case['torch_fraction_of_floor']:.1%})"))
    return out
