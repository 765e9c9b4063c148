"""Per-submission cost of the sandbox: start + load + forward/backward + close, each tier vs a plain child.

Usage: python bench/sandbox_overhead.py [RUNS]   (default 30; prints each tier's median, bubblewrap's
overhead over the plain child, and the pre-forked sandbox ("zygote") against a fresh bubblewrap sandbox
per submission, interleaved in the same run; the container tier is measured where it can run)
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from autograder.submission.extract import submission_from_bytes
from autograder.sandbox import StudentSession
from autograder.sandbox import policy
from autograder.sandbox.bubblewrap import BubblewrapLauncher
from autograder.sandbox.launch import PlainLauncher
from autograder.sandbox.prefork import PreforkedLauncher, trial_child_fails

SOURCE = b'''
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
'''


def one_submission(launcher, x, y) -> float:
    submission = submission_from_bytes(SOURCE, name="bench", filename="bench.py")
    started = time.perf_counter()
    session = StudentSession(submission, launcher=launcher)
    try:
        session.call("CELoss.forward", x, y)
        session.call("CELoss.backward", x, y, 1.0)
    finally:
        session.close()
    return time.perf_counter() - started


def main(runs: int = 30) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 10)), rng.integers(0, 10, size=64)
    launchers = {"plain": PlainLauncher(), "bubblewrap": BubblewrapLauncher()}
    zygote = PreforkedLauncher()
    if (reason := trial_child_fails(zygote)) is None:
        launchers["zygote"] = zygote
    else:
        print(f"the pre-forked sandbox does not run here: {reason}")
    if policy.tier_unavailable_reason("uid") is None:
        launchers["container"] = policy._launcher("uid")
    times = {name: [] for name in launchers}
    for launcher in launchers.values():
        one_submission(launcher, x, y)  # warm the page cache
    for _ in range(runs):  # interleaved, so drift in machine load hits both alike
        for name, launcher in launchers.items():
            times[name].append(one_submission(launcher, x, y))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:>10}: median {value:6.1f} ms over {runs} runs")
    print(f"{'overhead':>10}: {medians['bubblewrap'] - medians['plain']:+6.1f} ms per submission (fresh bubblewrap "
          "sandbox over a plain child)")
    if "zygote" in medians:
        print(f"{'zygote':>10}: {medians['zygote']:6.1f} ms warm per submission (target <= 50 ms), "
              f"{medians['zygote'] / medians['bubblewrap']:.2f}x a fresh bubblewrap sandbox")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
