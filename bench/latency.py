"""Warm cost of one submission, the full hidden suite, sandboxed: median wall time, where it goes, a profile."""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from autograder.course.assignment import load_assignment
from autograder.course.fingerprint import assignment_fingerprint
from autograder.grading.engine import grade_path
from autograder.submission.extract import Submission, read_submission
from autograder.reports.gradescope_json import results_document
from autograder.grading.reference import load_reference
from autograder.grading.runner import run_graders
from autograder.sandbox import StudentSession
from autograder.sandbox.launch import CHILD_ENV
from autograder.course.seeding import course_secret, submission_seed
from bench.common import WORK, median, repeat, scratch
from bench.submissions import CORRECT_SHIFT, notebook_with, release_template



def _session_start(submission: Submission, launcher=None) -> tuple[float, float, float]:
    """Seconds to start a session (spawn, interpreter, numpy, student cells), one trivial call, and close it."""
    started = time.perf_counter()
    session = StudentSession(submission, launcher=launcher)
    session.__enter__()
    session.wait_until_loaded()
    ready = time.perf_counter()
    session.call("CELoss.forward", np.zeros((2, 3)), np.array([0, 1]))
    called = time.perf_counter()
    session.close()
    return ready - started, called - ready, time.perf_counter() - called


def _child_interpreter() -> tuple[str, str]:
    """The interpreter and site dir the sandboxed child runs with, as host paths."""
    from autograder.sandbox.runtime import load_runtime

    runtime = load_runtime()
    if runtime is not None:
        return str(runtime.python), str(runtime.site)
    return sys.executable, str(Path(np.__file__).resolve().parent.parent)


def _interpreter_start(executable: str, site: str, code: str) -> float:
    """Wall time of the child's interpreter running `code` unsandboxed (python -I -S, the child's env)."""
    command = [executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {site!r}); {code}"]
    started = time.perf_counter()
    subprocess.run(command, env=dict(CHILD_ENV), check=True)
    return time.perf_counter() - started


GOAL_SECONDS = 0.050  # issue 15: a sandbox ready before the submission arrives


def measure(repeats: int = 15) -> dict:
    folder = scratch("latency")
    assignment = load_assignment("celoss")
    path = folder / "one.ipynb"
    path.write_text(json.dumps(notebook_with(release_template(folder), CORRECT_SHIFT.replace("{tag}", "latency"))))
    reference = load_reference(assignment)
    secret = course_secret(assignment.course_root)
    empty = Submission(name="empty", kind="python", cells=("class CELoss:\n    forward = staticmethod(lambda x, y: 0.0)\n",),
                       sha256="0" * 64)

    fingerprint = assignment_fingerprint(assignment)
    first = grade_path(assignment, path)  # warm-up: imports pytest, the graders and the reference once
    totals = repeat(lambda: grade_path(assignment, path), repeats)

    executable, site = _child_interpreter()
    stages: dict[str, list[float]] = {k: [] for k in ("extract", "bare", "numpy", "start_empty", "start", "call",
                                                     "checks", "bodies", "close", "report", "sandbox",
                                                     "warm_zygote", "warm_fresh")}
    zygote, fresh = _warm_launchers()
    # Every stage is timed once per round, interleaved, so a burst of load on the machine hits all alike.
    for _ in range(repeats):
        t0 = time.perf_counter()
        submission = read_submission(path)
        stages["extract"].append(time.perf_counter() - t0)
        stages["bare"].append(_interpreter_start(executable, site, "pass"))
        stages["numpy"].append(_interpreter_start(executable, site, "import numpy"))
        stages["start_empty"].append(_session_start(empty)[0])
        seed = submission_seed(secret, assignment.name, submission.sha256)
        time.sleep(0.05)  # in a batch the next child is set up while the previous submission is graded
        t0 = time.perf_counter()
        session = StudentSession(submission)
        session.__enter__()
        session.wait_until_loaded()  # in grading the load overlaps the graders' start; here it is timed alone
        t1 = time.perf_counter()
        session.call("CELoss.forward", np.zeros((2, 3)), np.array([0, 1]))
        t2 = time.perf_counter()
        outcomes, _ = run_graders(assignment.graders_dir, student_call=session.call, reference=reference, seed=seed,
                                  fingerprint=fingerprint)  # the suite grade_path collected: the profile below reuses it
        t3 = time.perf_counter()
        stages["bodies"].append(sum(outcome.duration for outcome in outcomes))
        session.close()
        t4 = time.perf_counter()
        json.dumps(results_document(first), indent=2)
        t5 = time.perf_counter()
        for key, value in zip(("start", "call", "checks", "close", "report"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            stages[key].append(value)
        stages["sandbox"].append(stages["start_empty"][-1] - stages["numpy"][-1])  # paired in the same round
        if zygote is not None:  # the warm sandbox, pre-forked and fresh, in the same round
            stages["warm_zygote"].append(sum(_session_start(submission, zygote)))
            stages["warm_fresh"].append(sum(_session_start(submission, fresh)))

    m = {key: median(values) if values else None for key, values in stages.items()}
    bare, with_numpy = m["bare"], m["numpy"]
    if zygote is not None:  # the child is forked with numpy imported: no interpreter start, no import
        starting = {"sandbox start (fork from the zygote, namespaces, mounts, handshake)": m["start_empty"]}
    else:
        starting = {"sandbox start (bwrap, pipes, handshake)": m["sandbox"], "interpreter start in child": bare,
                    "numpy import in child": with_numpy - bare}
    breakdown = {
        "extraction": m["extract"],
        **starting,
        "student cells at load": m["start"] - m["start_empty"],
        "one trivial call (round trip)": m["call"],
        "checks: test bodies (reference, inputs, sandbox calls)": m["bodies"],
        "checks: pytest per test (fixtures, setup and teardown hooks)": m["checks"] - m["bodies"],
        "sandbox teardown": m["close"],
        "report rendering": m["report"],
    }
    return {
        "repeats": repeats,
        "score": f"{first.score:g} / {first.max_score:g}",
        "isolation": first.isolation,
        "sandbox_start": _default_start_mode(),
        "warm_sandbox_seconds": {"zygote": m["warm_zygote"], "fresh": m["warm_fresh"], "goal": 0.05},
        "warm_sandbox_note": "start + load + one call + close of the submission, the pre-forked sandbox and a fresh "
                             "bubblewrap sandbox interleaved in each round",
        "tests": len(first.tests),
        "median_seconds": median(totals),
        "min_seconds": min(totals),
        "goal_seconds": GOAL_SECONDS,
        "breakdown_seconds": breakdown,
        "breakdown_note": "pre-forked: sandbox start = session start of a one-line submission; fresh: that minus the "
                          "child's interpreter importing numpy unsandboxed, paired per round (small or negative "
                          "when bwrap is cheap)",
        "breakdown_sum_seconds": sum(breakdown.values()),
        "child_interpreter": executable,
        "profile": profile(assignment, path),
    }


def _warm_launchers():
    """The pre-forked and the fresh bubblewrap launchers, or (None, None) where the zygote cannot run."""
    from autograder.sandbox import policy
    from autograder.sandbox.bubblewrap import BubblewrapLauncher
    from autograder.sandbox.prefork import PreforkedLauncher

    launcher = policy.select_launcher()
    if not isinstance(launcher, PreforkedLauncher):
        return None, None
    return launcher, BubblewrapLauncher()


def _default_start_mode() -> str:
    from autograder.sandbox import policy

    return getattr(policy.select_launcher(), "start_mode", "fresh")


def profile(assignment, path, top: int = 25) -> dict:
    """cProfile of one warm grade; the full listing goes to build/bench/profile.txt."""
    profiler = cProfile.Profile()
    profiler.enable()
    grade_path(assignment, path)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    (WORK / "profile.txt").write_text(text.getvalue())
    entries = []
    for (file, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        entries.append({"function": f"{file.split('site-packages/')[-1]}:{line}({name})", "calls": calls,
                        "tottime": round(tottime, 4), "cumtime": round(cumtime, 4)})
    entries.sort(key=lambda e: -e["tottime"])
    return {"top_by_self_time": entries[:top], "listing": str(WORK / "profile.txt")}


def rows(result: dict) -> list[tuple[str, str, str]]:
    goal = result["goal_seconds"]
    out = [("warm cost per submission: full suite, sandboxed (median)", f"{result['median_seconds'] * 1000:.0f} ms",
            "PASS" if result["median_seconds"] <= goal else f"above the {goal * 1000:.0f} ms goal")]
    for stage, seconds in result["breakdown_seconds"].items():
        out.append((f"  {stage}", f"{seconds * 1000:.1f} ms", f"{seconds / result['median_seconds']:.0%}"))
    warm = result["warm_sandbox_seconds"]
    if warm["zygote"] is not None:
        out.append(("warm sandbox per submission, pre-forked (start, load, call, close)", f"{warm['zygote'] * 1000:.0f} ms",
                    ("PASS" if warm["zygote"] <= warm["goal"] else "above 50 ms goal")
                    + f"; {warm['zygote'] / warm['fresh']:.2f}x a fresh sandbox ({warm['fresh'] * 1000:.0f} ms)"))
    return out


if __name__ == "__main__":
    json.dump(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3), sys.stdout, indent=1)
