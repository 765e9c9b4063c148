"""Inside the sandbox, before any student code: set the rlimits, then run child.py in this interpreter.

Usage: python -I -S boot.py LIMITS_JSON CHILD_PY CHILD_ARGS...   (stdlib only; imports nothing of the grader)
Setting RLIMIT_NPROC here, inside bubblewrap's user namespace, makes it count only this sandbox's
processes (the kernel counts per user namespace), so parallel sandboxes never starve each other.
"""

import json
import resource
import runpy
import sys

LIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "processes": resource.RLIMIT_NPROC,
    "core_bytes": resource.RLIMIT_CORE,
}


def main():
    limits = json.loads(sys.argv[1])
    for name, which in LIMITS.items():
        value = int(limits[name])
        resource.setrlimit(which, (value, value))  # hard = soft: the student cannot raise it again
    child = sys.argv[2]
    sys.argv = sys.argv[2:]
    runpy.run_path(child, run_name="__main__")


if __name__ == "__main__":
    main()
