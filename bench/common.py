"""Helpers every measurement shares: paths, the environment for subprocesses, medians and timed commands."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "build" / "bench"  # gitignored scratch space; each measurement clears its own folder


def scratch(name: str) -> Path:
    """An empty folder under build/bench/ for one measurement."""
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def child_env(**extra: str) -> dict[str, str]:
    """The caller's environment with the venv's bin first on PATH (nbgrader calls `alembic` through PATH).

    PYTHONDONTWRITEBYTECODE is dropped: every command runs as on an instructor's machine, with
    bytecode caches in use (where it is set, every process would compile this project from source).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.update(extra)
    return env


def run_timed(command: list[str], *, cwd: Path, env: dict | None = None, check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command to completion; return its wall time and result. A failure raises with its output's tail."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env or child_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, command[:4]))} ... exited {result.returncode}\n"
            f"stdout tail:\n{result.stdout[-2000:]}\nstderr tail:\n{result.stderr[-3000:]}"
        )
    return elapsed, result


def median(values) -> float:
    return float(statistics.median(values))


def repeat(function, times: int) -> list[float]:
    """Wall time of `times` calls of `function()`, in seconds."""
    out = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        out.append(time.perf_counter() - started)
    return out


def autograder_supports(option: str) -> bool:
    """Whether `autograder grade` has an option yet (--jobs and --force are landing separately)."""
    _, result = run_timed([str(BIN / "autograder"), "grade", "--help"], cwd=ROOT, check=False)
    return option in result.stdout
