"""The pool's wall-clock backstop: a task that outlives `task_seconds` fails alone, with "time limit"."""

from __future__ import annotations

import time

from autograder.batch.pool import LocalPool


def _hang_on_two(context, argument):
    if argument == 2:
        time.sleep(3600)  # a worker that never answers: no CPU used, nothing to read
    return argument * context


def test_a_task_past_its_wall_clock_limit_fails_alone_and_the_rest_are_graded():
    with LocalPool(_hang_on_two, 10, workers=2, task_seconds=3) as pool:
        done = {item.key: item for item in pool.run((key, key) for key in range(1, 6))}
    assert {key: item.value for key, item in done.items() if item.failure is None} == {1: 10, 3: 30, 4: 40, 5: 50}
    assert done[2].failure == ("time limit: grading this submission took more than 3 s; "
                               "its worker and sandbox were stopped")


def test_the_task_queued_behind_one_past_its_limit_is_graded_by_the_next_worker():
    with LocalPool(_hang_on_two, 10, workers=1, task_seconds=2) as pool:
        done = {item.key: item for item in pool.run((key, key) for key in range(1, 5))}
    assert {key: item.value for key, item in done.items() if item.failure is None} == {1: 10, 3: 30, 4: 40}
    assert done[2].failure.startswith("time limit: grading this submission took more than 2 s")
