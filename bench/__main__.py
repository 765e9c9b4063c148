"""`python -m bench`: run every measurement, print one table, write bench/results.json.

Options (also `python -m bench --help`): --only NAME[,NAME], --quick (small sizes, for development),
--notebooks N (default 200), --scale N (or env BENCH_SCALE; default 3000, compared with a tenth of it),
--repeats N (latency rounds, default 20), --rounds N (cold-start rounds, default 7), --dask N (default 40),
--jobs N (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from bench import coldstart, dask_overhead, latency, machine, reference_speed, scale, throughput

RESULTS = Path(__file__).with_name("results.json")
ORDER = ("reference", "latency", "coldstart", "throughput", "scale", "dask")  # the quietest-sensitive first
QUICK = {"notebooks": 20, "scale": 300, "repeats": 5, "rounds": 3, "dask": 10}  # --quick: minutes, not a quarter hour


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ORDER), help=f"comma-separated subset of {', '.join(ORDER)}")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for development (" + ", ".join(f"--{k} {v}" for k, v in QUICK.items())
                             + "); explicit options still win")
    parser.add_argument("--scale", type=int, default=None,
                        help="submissions in the large scale run, compared with a tenth of it "
                             "(env BENCH_SCALE; default 3000)")
    parser.add_argument("--notebooks", type=int, default=None, help="notebooks graded by both nbgrader and us (200)")
    parser.add_argument("--repeats", type=int, default=None, help="warm-latency rounds (20)")
    parser.add_argument("--rounds", type=int, default=None, help="cold-start rounds (7)")
    parser.add_argument("--dask", type=int, default=None, help="notebooks graded on the Dask cluster and locally (40)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs for `autograder grade`")
    args = parser.parse_args(argv)
    defaults = {"notebooks": 200, "scale": int(os.environ.get("BENCH_SCALE", "3000")), "repeats": 20, "rounds": 7,
                "dask": 40}
    for name, value in (QUICK if args.quick else defaults).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    unknown = set(args.only.split(",")) - set(ORDER)
    if unknown:
        parser.error(f"unknown measurement(s) {', '.join(sorted(unknown))}; choose from {', '.join(ORDER)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    chosen = [name for name in ORDER if name in args.only.split(",")]
    tasks = {
        "reference": (lambda: reference_speed.measure(), reference_speed.rows),
        "latency": (lambda: latency.measure(args.repeats), latency.rows),
        "coldstart": (lambda: coldstart.measure(args.rounds), coldstart.rows),
        "throughput": (lambda: throughput.measure(args.notebooks, args.jobs), throughput.rows),
        "scale": (lambda: scale.measure(args.scale, max(1, args.scale // 10), args.jobs), scale.rows),
        "dask": (lambda: dask_overhead.measure(args.dask, args.jobs), dask_overhead.rows),
    }
    info = machine.describe()
    print(f"machine: {machine.summary(info)}", flush=True)
    results: dict = {"machine": info, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                     "sizes": {k: getattr(args, k) for k in ("notebooks", "scale", "repeats", "rounds", "dask", "jobs")},
                     "quick": args.quick}
    table: list[tuple[str, str, str]] = []
    failed = False
    for name in chosen:
        measure, rows = tasks[name]
        print(f"running {name} ...", flush=True)
        started = time.perf_counter()
        try:
            results[name] = measure()
            table.extend(rows(results[name]))
        except Exception:  # noqa: BLE001 - record it, run the others, exit non-zero at the end
            failed = True
            results[name] = {"error": traceback.format_exc(limit=8)}
            table.append((name, "FAILED", "see results.json"))
            print(results[name]["error"], file=sys.stderr)
        results.setdefault("wall_seconds", {})[name] = round(time.perf_counter() - started, 1)
    results["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print_table(table, info)
    print(f"\nwritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 1 if failed else 0


def print_table(table: list[tuple[str, str, str]], info: dict) -> None:
    print(f"\n{machine.summary(info)}")
    print("Absolute times depend on the machine and its load; ratios measured in the same run travel better.\n")
    width = max((len(row[0]) for row in table), default=10)
    value_width = max((len(row[1]) for row in table), default=10)
    for label, value, note in table:
        print(f"{label:<{width}}  {value:>{value_width}}  {note}")


if __name__ == "__main__":
    sys.exit(main())
