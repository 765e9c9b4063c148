"""End a process once its exit handlers have run, without the interpreter's teardown.

The exit handlers stop the sandbox and remove temporary folders. Taking numpy, pytest and the graders
apart module by module afterwards changes nothing a grading process wrote, and costs about 0.1 s.
"""

from __future__ import annotations

import atexit
import os
import sys


def exit_after_handlers(status: int) -> None:
    """Run the exit handlers, flush stdout and stderr, then end the process with `status`."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(status)
