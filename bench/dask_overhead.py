"""Dask's overhead per submission: the same notebooks through `--scheduler` on a real LocalCluster and the local pool.

The cluster is what the README recommends for several machines, here on one: `processes=True`, 2 workers of
one thread each, on 127.0.0.1 only. Both runs are the real CLI (`--force`, so every submission is graded):
the local pool with `--jobs 2`, then the cluster twice, fresh (its workers import the graders on the first
task) and warm (a long-lived cluster's usual state). The overhead is (warm cluster - local) / submissions.
"""

from __future__ import annotations

from pathlib import Path

from bench.common import BIN, ROOT, run_timed, scratch
from bench.submissions import release_template, write_submissions


def _grade(folder: Path, out: Path, *extra: str) -> float:
    command = [str(BIN / "autograder"), "grade", "celoss", str(folder), "--out", str(out), "--force",
               "--no-progress", *extra]
    seconds, result = run_timed(command, cwd=ROOT, check=False)
    written = sum(1 for _ in out.glob("*.json"))
    if result.returncode != 0:
        raise RuntimeError(f"autograder grade {' '.join(extra)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return seconds if written else float("nan")


def measure(count: int = 40, jobs: int = 2) -> dict:
    from distributed import LocalCluster

    folder = scratch("dask")
    write_submissions(release_template(folder), folder / "submissions", count)
    local = _grade(folder / "submissions", folder / "local", "--jobs", str(jobs))
    with LocalCluster(host="127.0.0.1", processes=True, n_workers=jobs, threads_per_worker=1,
                      dashboard_address=None, worker_dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        fresh = _grade(folder / "submissions", folder / "dask-fresh", "--scheduler", address)
        warm = _grade(folder / "submissions", folder / "dask-warm", "--scheduler", address)
    same = _scores(folder / "local") == _scores(folder / "dask-warm") == _scores(folder / "dask-fresh")
    return {
        "submissions": count,
        "workers": jobs,
        "local_seconds": local,
        "dask_fresh_seconds": fresh,
        "dask_warm_seconds": warm,
        "overhead_per_submission_seconds": (warm - local) / count,
        "fresh_overhead_per_submission_seconds": (fresh - local) / count,
        "identical_scores": same,
    }


def _scores(out: Path) -> dict[str, float]:
    import json

    return {path.stem: json.loads(path.read_text())["score"] for path in sorted(out.glob("*.json"))
            if not path.name.startswith("_")}


def rows(result: dict) -> list[tuple[str, str, str]]:
    n, w = result["submissions"], result["workers"]
    return [
        (f"dask: LocalCluster ({w} processes) vs local pool (--jobs {w}), {n} notebooks",
         f"{result['overhead_per_submission_seconds'] * 1000:+.0f} ms/subm",
         f"local {result['local_seconds']:.1f} s, cluster warm {result['dask_warm_seconds']:.1f} s, "
         f"fresh {result['dask_fresh_seconds']:.1f} s ({result['fresh_overhead_per_submission_seconds'] * 1000:+.0f} "
         f"ms/subm); scores {'identical' if result['identical_scores'] else 'DIFFER'}"),
    ]
