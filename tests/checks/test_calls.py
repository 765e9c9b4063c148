"""each_value: a student's calls in one exchange, read back like a loop; a plain function is called lazily."""

import pytest

from autograder.checks.calls import each_value
from autograder.errors import Raised, StudentRaised
from autograder.grading.runner import StudentProxy


class Sandbox:
    """Answers `many` exchanges the way a session does: values in order, a failed call ends the list as Raised."""

    def __init__(self, fail_at: int | None = None):
        self.exchanges: list[list[tuple]] = []
        self.fail_at = fail_at

    def call(self, target, *args):
        raise AssertionError("each_value must not make single calls on a student's method")

    def call_many(self, target, calls):
        self.exchanges.append(list(calls))
        results = []
        for index, (value,) in enumerate(calls):
            if index == self.fail_at:
                return results + [Raised(StudentRaised(target, "ValueError", "bad input", ""))]
            results.append(value * 10)
        return results


def test_a_students_calls_go_in_one_exchange_and_come_back_in_order():
    sandbox = Sandbox()
    student = StudentProxy(sandbox.call, caller_many=sandbox.call_many)
    assert list(each_value(student.CELoss.forward, [(1,), (2,), (3,)])) == [10, 20, 30]
    assert sandbox.exchanges == [[(1,), (2,), (3,)]]


def test_a_failed_call_raises_only_when_its_value_is_reached():
    sandbox = Sandbox(fail_at=1)
    values = each_value(StudentProxy(sandbox.call, caller_many=sandbox.call_many).CELoss.forward, [(1,), (2,), (3,)])
    assert next(values) == 10
    with pytest.raises(StudentRaised, match="bad input"):
        next(values)
    assert len(sandbox.exchanges) == 1


def test_a_plain_function_is_called_only_for_the_values_asked_for():
    called = []

    def forward(value):
        called.append(value)
        return value + 1

    values = each_value(forward, [(1,), (2,), (3,)])
    assert next(values) == 2
    assert called == [1]
