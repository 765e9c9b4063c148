"""Several calls of one student method in one exchange with the sandbox, read back one value at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from autograder.errors import Raised


def each_value(function: Callable, calls: Iterable[tuple]) -> Iterator:
    """`function(*args)` for each args tuple of `calls`, in order; a call that failed raises when its value is reached.

    For a student's method (`student.CELoss.forward`) every call is made at once, in one exchange with
    the sandbox (`many`), so a check that reads the values in a loop and stops at the first wrong one
    meets what a loop of calls would have met. One difference: a call that kills the student's process
    or runs out of time fails the whole exchange, so the check meets that failure before the values of
    the calls made before it (its test fails either way). A plain function (a grader's own test double)
    is called only when its value is asked for.
    """
    many = getattr(function, "many", None)
    if many is None:
        return (function(*args) for args in calls)
    return Raised.values(many(list(calls)))
