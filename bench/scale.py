"""Grade 300 and 3,000 generated submissions with `--jobs 2` in one run: time per submission and peak memory, as ratios."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import psutil

from bench.common import ROOT, child_env, scratch
from bench.submissions import release_template, write_submissions
from bench.throughput import grade_command

SANDBOX_MARKERS = ("bwrap", "boot.py", "child.py")


class TreeMemory:
    """Polls a process tree: the RSS of the grader (parent and workers) apart from its sandboxed children."""

    def __init__(self, pid: int, out_dir: Path, interval: float = 0.2):
        self.root = psutil.Process(pid)
        self.out_dir = out_dir
        self.interval = interval
        self.samples: list[tuple[float, int, int, int]] = []  # (seconds, results written, grader RSS, sandbox RSS)
        self.max_workers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._started = time.perf_counter()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self._sample())
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def _sample(self) -> tuple[float, int, int, int]:
        grader, sandbox, workers = 0, 0, 0
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                rss = process.memory_info().rss
                in_sandbox = any(m in part for part in process.cmdline() for m in SANDBOX_MARKERS) or any(
                    "bwrap" in parent.name() for parent in process.parents())
            except psutil.Error:
                continue
            if in_sandbox:
                sandbox += rss
            else:
                grader += rss
                workers += process is not self.root
        self.max_workers = max(self.max_workers, workers)
        done = sum(1 for entry in os.scandir(self.out_dir) if entry.name.endswith(".json")) if self.out_dir.is_dir() else 0
        return time.perf_counter() - self._started, done, grader, sandbox


def grade_many(count: int, jobs: int, template: dict) -> dict:
    folder = scratch(f"scale-{count}")
    write_submissions(template, folder / "submissions", count)
    out = folder / "out"
    command = grade_command([folder / "submissions"], out, jobs)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    with TreeMemory(process.pid, out) as memory:
        _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    written = sum(1 for _ in out.glob("*.json"))
    if process.returncode not in (0, 1) or written < count:
        raise RuntimeError(f"autograder grade wrote {written} of {count} results (exit {process.returncode}):\n"
                           f"{stderr[-3000:]}")
    grader = [s[2] for s in memory.samples]
    early = [s[2] for s in memory.samples if 0 < s[1] <= max(count // 10, 1)]
    late = [s[2] for s in memory.samples if s[1] >= count * 9 // 10]
    return {
        "submissions": count,
        "steady_per_submission_seconds": _steady(memory.samples, count),
        "seconds": seconds,
        "per_submission_seconds": seconds / count,
        "per_second": count / seconds,
        "grader_peak_rss_mib": max(grader, default=0) / 2**20,
        "grader_rss_first_tenth_mib": max(early, default=0) / 2**20,
        "grader_rss_last_tenth_mib": max(late, default=0) / 2**20,
        "with_sandboxes_peak_rss_mib": max((s[2] + s[3] for s in memory.samples), default=0) / 2**20,
        "grader_processes": memory.max_workers + 1,
        "samples": len(memory.samples),
    }


def _steady(samples, count: int) -> float | None:
    """Seconds per submission between the 10% and 90% marks: the rate without start-up and tail."""
    low, high = max(count // 10, 1), count * 9 // 10
    at_low = next((s[0] for s in samples if s[1] >= low), None)
    at_high = next((s[0] for s in samples if s[1] >= high), None)
    if at_low is None or at_high is None or high <= low or at_high <= at_low:
        return None
    return (at_high - at_low) / (high - low)


GOAL_TIME_GROWTH = 1.15
GOAL_MEMORY_GROWTH = 1.2


def measure(count: int = 3000, small: int = 300, jobs: int = 2) -> dict:
    template = release_template(scratch("scale-template"))
    runs = [grade_many(n, jobs, template) for n in sorted({min(small, count), count})]
    first, last = runs[0], runs[-1]
    return {
        "jobs": jobs,
        "runs": runs,
        "time_per_submission_growth": last["per_submission_seconds"] / first["per_submission_seconds"],
        "steady_time_per_submission_growth": (last["steady_per_submission_seconds"] / first["steady_per_submission_seconds"]
                                              if first["steady_per_submission_seconds"] and last["steady_per_submission_seconds"]
                                              else None),
        "peak_memory_growth": last["grader_peak_rss_mib"] / first["grader_peak_rss_mib"],
        "goal_time_growth": GOAL_TIME_GROWTH,
        "goal_memory_growth": GOAL_MEMORY_GROWTH,
        "memory_note": "RSS summed over the grader's processes (shared pages counted once per process); "
                       "sandboxed children are reported apart",
    }


def rows(result: dict) -> list[tuple[str, str, str]]:
    out = []
    for run in result["runs"]:
        out.append((f"scale: {run['submissions']} submissions, --jobs {result['jobs']}",
                    f"{run['seconds']:.1f} s", f"{run['per_submission_seconds'] * 1000:.0f} ms/subm, "
                    f"grader peak RSS {run['grader_peak_rss_mib']:.0f} MiB "
                    f"(first tenth {run['grader_rss_first_tenth_mib']:.0f}, last tenth {run['grader_rss_last_tenth_mib']:.0f})"))
    if len(result["runs"]) > 1:
        a, b = result["runs"][0]["submissions"], result["runs"][-1]["submissions"]
        time_goal, memory_goal = result["goal_time_growth"], result["goal_memory_growth"]
        out.append((f"  scale {a} -> {b}: time per submission", f"{result['time_per_submission_growth']:.2f}x",
                    f"goal <= {time_goal:g}x: " + ("PASS" if result["time_per_submission_growth"] <= time_goal
                                                  else "above goal")))
        if result["steady_time_per_submission_growth"]:
            out.append((f"  scale {a} -> {b}: steady rate (10%-90% marks)",
                        f"{result['steady_time_per_submission_growth']:.2f}x", "start-up and tail excluded"))
        out.append((f"  scale {a} -> {b}: grader peak memory", f"{result['peak_memory_growth']:.2f}x",
                    f"goal <= {memory_goal:g}x: " + ("PASS" if result["peak_memory_growth"] <= memory_goal
                                                    else "above goal")))
    return out
