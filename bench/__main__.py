"""`python -m bench`: run every measurement, print one table, write bench/results.json.

Options (also `python -m bench --help`): --only NAME[,NAME], --scale N (or env BENCH_SCALE; default 1000),
--notebooks N (default 20), --repeats N (latency rounds, default 20), --jobs N (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from bench import latency, machine, reference_speed, scale, throughput

RESULTS = Path(__file__).with_name("results.json")
ORDER = ("reference", "latency", "throughput", "scale")  # the quietest-sensitive measurement first


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ORDER), help=f"comma-separated subset of {', '.join(ORDER)}")
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "1000")),
                        help="submissions in the scale run (env BENCH_SCALE); a 100-submission run is compared")
    parser.add_argument("--notebooks", type=int, default=20, help="notebooks graded by both nbgrader and us")
    parser.add_argument("--repeats", type=int, default=20, help="latency rounds")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs for `autograder grade`")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    chosen = [name for name in ORDER if name in args.only.split(",")]
    tasks = {
        "reference": (lambda: reference_speed.measure(), reference_speed.rows),
        "latency": (lambda: latency.measure(args.repeats), latency.rows),
        "throughput": (lambda: throughput.measure(args.notebooks, args.jobs), throughput.rows),
        "scale": (lambda: scale.measure(args.scale, min(100, args.scale), args.jobs), scale.rows),
    }
    info = machine.describe()
    print(f"machine: {machine.summary(info)}", flush=True)
    results: dict = {"machine": info, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
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
