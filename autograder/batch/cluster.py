"""Send grading tasks to a Dask distributed cluster instead of the local pool; same interface, same results.

Each task carries one submission's bytes, so workers need the course (graders, source notebook,
secret) at the same path but not the submissions. Results come back to the parent, which alone
writes files. A task whose worker keeps dying ends as `distributed.KilledWorker`: an
infrastructure failure for that submission only.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable, Iterable, Iterator

from autograder.batch.pool import TaskDone

CONNECT_TIMEOUT = "20s"
IN_FLIGHT_PER_THREAD = 4


class DaskPool:
    """`run(tasks)` yields a `TaskDone` per `(key, argument)` as each finishes on the cluster at `address`."""

    def __init__(self, function: Callable, context: object, *, address: str):
        self.function = function
        self.context = context
        self.address = address
        self._client = None
        self._futures: dict = {}

    def __enter__(self) -> "DaskPool":
        from distributed import Client

        try:
            self._client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ConnectionError(f"cannot reach the Dask scheduler at {self.address}: {error}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        if self._client is not None:
            if self._futures:
                self._client.cancel(list(self._futures))
            self._client.close()
            self._client = None

    @property
    def workers(self) -> int:
        threads = self._client.nthreads() if self._client is not None else {}
        return max(1, sum(threads.values()))

    def run(self, tasks: Iterable[tuple[object, object]]) -> Iterator[TaskDone]:
        from distributed import as_completed

        pending = iter(tasks)  # lazily: a task may carry a submission's bytes
        window = self.workers * IN_FLIGHT_PER_THREAD
        first = [self._submit(task) for task in itertools.islice(pending, window)]
        if not first:
            return
        with self._client.as_current():
            running = as_completed(first)
            for future in running:
                key = self._futures.pop(future)
                yield self._collect(key, future)
                for task in itertools.islice(pending, 1):
                    running.add(self._submit(task))

    def _submit(self, task: tuple[object, object]):
        key, argument = task
        future = self._client.submit(self.function, self.context, argument, pure=False)
        self._futures[future] = key
        return future

    @staticmethod
    def _collect(key, future) -> TaskDone:
        try:
            return TaskDone(key, future.result())
        except Exception as error:  # noqa: BLE001 - a task that failed on the cluster fails alone
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
            return TaskDone(key, None, f"the Dask task failed: {text}")
