"""A local pool of grading worker processes that knows which submission each worker holds.

Each worker is a spawned process (pytest runs in-process, so never threads) that grades one job
at a time, with the next one already sent (`QUEUED_PER_WORKER`), so it never waits for the parent
between jobs (at the end of a batch, a job queued behind a slow one can wait for it while another
worker is idle: one job's time at most). If a worker dies, only the job it was grading fails, as an
infrastructure failure; the job queued behind it goes to another worker, and a fresh worker takes
its place. Workers ignore Ctrl-C; the parent stops them with SIGTERM, which unwinds
the sandbox session so no student process outlives its worker. A worker also gets SIGTERM if the
parent dies (Linux `PR_SET_PDEATHSIG`), so even a SIGKILLed batch leaves no orphans behind.
A watchdog bounds each task's wall-clock time (`task_seconds`): a worker still busy after it is
stopped the same way, its task fails with a "time limit" message, and the other tasks go on.
The sandbox session already ends every student call at its own deadline; this is the backstop.
When there are no more workers than usable cores, each worker is pinned to a core of its own; the
sandbox it starts, and every student process forked from it, inherit that core. A call into the sandbox
is a round trip between the worker and the student's process, and on one core each hand-over is a
local wake-up, not a wake-up of another core (a small message's round trip takes about 3 us against
73 us on a virtual machine, where waking another core traps to the hypervisor).
`InlinePool` has the same interface and runs its tasks in this process (a batch of one).
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import gc
import itertools
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from autograder.quick_exit import exit_after_handlers

_PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 5.0
TASK_SECONDS = 300.0  # well above a submission's own budget (Limits.submission_seconds, 60 s)
# The task a worker grades and the next: without one queued, a worker waited about 1.5 ms a task for
# the parent, busy writing another worker's results, to send it the next.
QUEUED_PER_WORKER = 2


@dataclass(frozen=True)
class TaskDone:
    """What came back for one task: a value, or an infrastructure failure described for the instructor."""

    key: object
    value: object = None
    failure: str | None = None


_stopping = False
_STARTUP_FAILED = "startup failed"  # the key of a worker's one message when its `startup` raised


class WorkerStartupFailed(Exception):
    """A worker's `startup` raised something that cannot cross to the parent; the text is its traceback."""


def _picklable(error: Exception) -> Exception:
    """`error` itself if it survives pickling, else its traceback as a `WorkerStartupFailed` (call it in `except`)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to round-trip: the parent gets the text instead
        return WorkerStartupFailed(traceback.format_exc(limit=8))
    return error


def _on_sigterm(signum, frame):
    """Unwind the current job like Ctrl-C would (pytest stops, the sandbox closes); send nothing back."""
    global _stopping
    _stopping = True
    raise KeyboardInterrupt


def _worker(connection, function: Callable, context: object, core: int | None, startup: Callable | None) -> None:
    # Once `_serve` is done, a SIGTERM (the parent stopping the batch) is ignored: it would cut the sandbox's
    # shutdown short with a traceback, and the parent kills a worker that lingers past `STOP_GRACE_SECONDS`.
    # It is ignored before any Python function is entered again, where a pending signal's handler would run.
    try:
        _serve(connection, function, context, core, startup)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except KeyboardInterrupt:  # the SIGTERM came as `_serve` returned: nothing was left to unwind
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # No interpreter teardown once the last reply is sent: at the end of a batch the parent waits for it.
    exit_after_handlers(0)  # an exception raised instead is reported, and ends the worker, as it always has


def _serve(connection, function: Callable, context: object, core: int | None, startup: Callable | None) -> None:
    if core is not None:
        try:
            os.sched_setaffinity(0, {core})
        except OSError:
            pass  # the core went away, or the container forbids it: the worker runs unpinned, only slower
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    try:
        if os.getppid() == 1:  # the parent died before we could ask to be told
            return
        if startup is not None:
            try:
                startup()
            except Exception as error:  # noqa: BLE001 - handed to the parent, which ends the batch with it
                connection.send((_STARTUP_FAILED, _picklable(error), None))
                return
        for done in itertools.count():
            try:
                task = connection.recv()
            except EOFError:
                return
            if task is None:
                return
            key, argument = task
            try:
                reply = (key, function(context, argument), None)
            except Exception:  # noqa: BLE001 - reported to the parent as this task's infrastructure failure
                reply = (key, None, traceback.format_exc(limit=8))
            if _stopping:  # a job cut short by SIGTERM may look complete; it must never be written
                return
            connection.send(reply)
            if done == 0:  # what the first task loaded (graders, reference) stays: no later collection walks it
                gc.freeze()
    except (KeyboardInterrupt, BrokenPipeError):
        return


class _Slot:
    """One worker process, the core it is pinned to (None: any), and the tasks sent to it, in order: the first
    is the one it is grading, since `started`."""

    def __init__(self, ctx, function, context, core: int | None, startup: Callable | None = None):
        self.core = core
        self.connection, child_end = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child_end, function, context, core, startup), daemon=True)
        with _main_script_hidden(function, startup):
            self.process.start()
        child_end.close()
        self.tasks: collections.deque[tuple] = collections.deque()
        self.started = 0.0
        self.released = False  # told to finish: no task is left for it

    def release(self) -> None:
        """Let the worker finish now (it stops its sandbox while the others grade their last tasks)."""
        if not self.released:
            self.released = True
            try:
                self.connection.send(None)
            except OSError:
                self.process.terminate()

    def stop(self) -> None:
        """SIGTERM (the worker unwinds its sandbox session), then SIGKILL if it lingers."""
        self.process.terminate()
        self.process.join(STOP_GRACE_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@contextlib.contextmanager
def _main_script_hidden(*functions):
    """While a worker is spawned, hide the parent's main script from it, unless a function it runs lives there.

    multiprocessing's spawn runs the parent's `__main__` file again in every worker (as `__mp_main__`).
    For the `autograder` command that file is the CLI, with click and traitlets: 50 to 80 ms of each
    worker's start, for nothing a worker uses (it imports what it runs by name).
    """
    main = sys.modules.get("__main__")
    needed = any(getattr(function, "__module__", None) == "__main__" for function in functions if function)
    if needed or main is None or getattr(main, "__spec__", None) is not None or "__file__" not in vars(main):
        yield
        return
    path = main.__file__
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


class _Pending:
    """The tasks not yet handed out, read lazily from an iterable (tasks given back come first): truthy while
    one is left."""

    _END = object()

    def __init__(self, tasks: Iterable[tuple[object, object]]):
        self._tasks = iter(tasks)
        self._next = next(self._tasks, self._END)
        self._given_back: collections.deque[tuple[object, object]] = collections.deque()

    def __bool__(self) -> bool:
        return bool(self._given_back) or self._next is not self._END

    def pop(self) -> tuple[object, object]:
        if self._given_back:
            return self._given_back.popleft()
        task, self._next = self._next, next(self._tasks, self._END)
        return task

    def give_back(self, tasks: Iterable[tuple[object, object]]) -> None:
        """Tasks a worker held but never began (it died, or was stopped, grading the one before)."""
        self._given_back.extend(tasks)


class LocalPool:
    """`run(tasks)` yields a `TaskDone` per `(key, argument)` as each finishes, `workers` at a time.

    Each worker first calls `startup()` (a module-level function, such as the check that the sandbox
    works there); if it raises, `run` raises the same exception (or `WorkerStartupFailed` with its text)
    and no task is graded by that worker. The caller's `with` then stops the others.
    """

    def __init__(self, function: Callable, context: object, *, workers: int, task_seconds: float = TASK_SECONDS,
                 startup: Callable[[], None] | None = None):
        self.function = function
        self.context = context
        self.startup = startup
        self.workers = max(1, workers)
        self.task_seconds = task_seconds
        self._ctx = multiprocessing.get_context("spawn")
        self._slots: list[_Slot] = []
        cores = usable_core_ids()
        self._cores = cores if self.workers <= len(cores) else []  # shared cores: the kernel places them

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def run(self, tasks: Iterable[tuple[object, object]]) -> Iterator[TaskDone]:
        pending = _Pending(tasks)  # drawn one task at a time, as a worker frees up
        while pending or any(slot.tasks for slot in self._slots):
            self._fill(pending)
            busy = [slot for slot in self._slots if slot.tasks]
            if not busy:
                continue
            first_deadline = min(slot.started for slot in busy) + self.task_seconds
            ready = wait([s.connection for s in busy] + [s.process.sentinel for s in busy],
                         timeout=max(0.0, first_deadline - time.monotonic()))
            for slot in busy:
                if slot.connection not in ready and time.monotonic() >= slot.started + self.task_seconds:
                    yield self._overran(slot, pending)
                    continue
                if slot.connection in ready and slot.connection.poll():
                    done = self._receive(slot)
                    if done is not None:
                        self._fill(pending)  # the worker's next task first: it grades while this result is recorded
                        yield done
                        continue
                if slot.process.sentinel in ready or not slot.process.is_alive():
                    yield self._lost(slot, pending)

    def _fill(self, pending: "_Pending") -> None:
        self._slots = [slot for slot in self._slots if slot.process.is_alive() or slot.tasks]
        while pending and len(self._slots) < self.workers:
            self._add_slot()
        for slot in self._slots:
            while pending and len(slot.tasks) < QUEUED_PER_WORKER and slot.process.is_alive():
                if not slot.tasks:
                    slot.started = time.monotonic()
                slot.tasks.append(pending.pop())
                try:
                    slot.connection.send(slot.tasks[-1])
                except OSError:
                    break  # the worker died; its sentinel reports the task it was grading as lost
            if not pending and not slot.tasks and slot.process.is_alive():
                slot.release()

    def _add_slot(self) -> None:
        taken = {slot.core for slot in self._slots}
        core = next((core for core in self._cores if core not in taken), None)
        self._slots.append(_Slot(self._ctx, self.function, self.context, core, self.startup))

    def _receive(self, slot: _Slot) -> TaskDone | None:
        try:
            key, value, failure = slot.connection.recv()
        except (EOFError, OSError):
            return None
        if key == _STARTUP_FAILED:
            raise value
        slot.tasks.popleft()
        slot.started = time.monotonic()  # when the worker went on to the next, if one is queued
        return TaskDone(key, value, failure)

    def _lost(self, slot: _Slot, pending: "_Pending") -> TaskDone:
        slot.process.join(1)
        code = slot.process.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit status {code}"
        key = self._remove(slot, pending)
        return TaskDone(key, None, f"the grading worker process died ({how}) while grading this submission")

    def _overran(self, slot: _Slot, pending: "_Pending") -> TaskDone:
        slot.stop()
        key = self._remove(slot, pending)
        return TaskDone(key, None, f"time limit: grading this submission took more than {self.task_seconds:g} s; "
                                   "its worker and sandbox were stopped")

    def _remove(self, slot: _Slot, pending: "_Pending") -> object:
        """Drop a worker that is gone; its queued tasks go to others. The key of the task it was grading."""
        key = slot.tasks.popleft()[0] if slot.tasks else None
        pending.give_back(slot.tasks)
        slot.tasks.clear()
        self._slots.remove(slot)
        slot.connection.close()
        return key

    def stop(self) -> None:
        """Ask every worker to finish (SIGTERM unwinds its sandbox), then kill any that linger."""
        for slot in self._slots:
            if slot.process.is_alive():
                if not slot.tasks:
                    slot.release()
                else:
                    slot.process.terminate()
        for slot in self._slots:
            slot.process.join(STOP_GRACE_SECONDS)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.connection.close()
        self._slots = []


def usable_core_ids() -> list[int]:
    """The cores this process may run on (its CPU affinity, as a container or `taskset` sets it); [] if unknown."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return []


class InlinePool:
    """The same interface, in this process: for a batch of one, where starting a worker would cost more than
    the grading. A task that raises fails alone, as in a worker. Ctrl-C, and SIGTERM while tasks run, unwind
    the task (its sandbox session closes) and propagate as KeyboardInterrupt, so no student process outlives
    the batch. The wall-clock backstop is the sandbox session's own deadline on every student call."""

    def __init__(self, function: Callable, context: object, *, startup: Callable[[], None] | None = None):
        self.function = function
        self.context = context
        self.startup = startup
        self.workers = 1

    def __enter__(self) -> "InlinePool":
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def run(self, tasks: Iterable[tuple[object, object]]) -> Iterator[TaskDone]:
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
        startup = self.startup
        try:
            for key, argument in tasks:
                if startup is not None:  # before the first task (none: nothing to check); it raises as a worker's does
                    startup()
                    startup = None
                try:
                    value = self.function(self.context, argument)
                except Exception:  # noqa: BLE001 - reported as this task's infrastructure failure, like a worker's
                    yield TaskDone(key, None, traceback.format_exc(limit=8))
                    continue
                yield TaskDone(key, value)
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
