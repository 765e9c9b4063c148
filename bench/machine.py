"""Which machine a run measured: CPU, cores, load, and the versions of everything timed."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata


def describe() -> dict:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "torch": _version("torch"),
        "nbgrader": _version("nbgrader"),
        "pytest": _version("pytest"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "executable": sys.executable,
    }


def summary(info: dict) -> str:
    return (f"{info['cpu']}, {info['cores']} cores (load {info['load_average_at_start'][0]}), "
            f"Python {info['python']}, numpy {info['numpy']}, torch {info['torch']}, nbgrader {info['nbgrader']}")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
