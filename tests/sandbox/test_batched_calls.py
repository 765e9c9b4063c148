"""A batch of calls (`StudentSession.call_many`) is the same calls made one by one, in one exchange with the child."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.errors import BadReturnValue, Raised, StudentCrashed, StudentError, StudentRaised
from autograder.grading.runner import StudentProxy
from autograder.sandbox.session import MAX_CALLS_PER_EXCHANGE
from .conftest import CLEAN, assert_no_leftovers, session_for

STEPS = CLEAN.decode() + '''
SEEN = []

def step(k):
    SEEN.append(k)
    if k == 3:
        raise ValueError("three")
    if k == 5:
        return {"not": "a number"}
    return float(2 * k)

def seen():
    return tuple(SEEN)

def count():
    return len(SEEN)
'''

# Answers a batch of one call with three replies: a child that claims answers nobody asked for.
FORGED = CLEAN.decode() + '''
import json, os, struct, sys, time

def step(k):
    reply = {"ok": True, "value": {"t": "f", "v": 1.0}, "mutated": []}
    header = json.dumps({"replies": [reply, reply, reply], "blobs": 0}).encode()
    os.write(int(sys.argv[2]), struct.pack(">I", len(header)) + header)
    time.sleep(30)
'''

# Answers a batch of three calls with one good reply and nothing else: a child that drops calls it was asked.
SHORT = CLEAN.decode() + '''
import json, os, struct, sys, time

def step(k):
    reply = {"ok": True, "value": {"t": "f", "v": 1.0}, "mutated": []}
    header = json.dumps({"replies": [reply], "blobs": 0}).encode()
    os.write(int(sys.argv[2]), struct.pack(">I", len(header)) + header)
    time.sleep(30)
'''


def test_a_batch_gives_the_values_of_the_calls_one_by_one(sandbox):
    session = session_for(CLEAN, sandbox)
    rng = np.random.default_rng(5)
    inputs = [(rng.standard_normal((4, 3)), np.array([0, 1, 2, 0])) for _ in range(3)]
    try:
        one_by_one = [session.call("CELoss.forward", x, y) for x, y in inputs]
        batched = session.call_many("CELoss.forward", inputs)
        gradients = session.call_many("CELoss.backward", [(x, y, 0.5) for x, y in inputs])
    finally:
        session.close()
    assert batched == one_by_one and all(type(value) is np.float64 for value in batched)
    for (x, y), (dx, dy) in zip(inputs, gradients):
        assert dx.shape == x.shape and dy == 0.0
    assert_no_leftovers()


def test_a_failed_call_ends_the_batch_and_the_calls_after_it_never_run(sandbox):
    session = session_for(STEPS, sandbox)
    try:
        results = session.call_many("step", [(1,), (3,), (4,)])
        refused = session.call_many("step", [(2,), (5,), (6,)])
        seen = session.call("seen")
    finally:
        session.close()
    assert results[0] == 2.0 and len(results) == 2 and isinstance(results[1], Raised)
    assert isinstance(results[1].error, StudentRaised) and "three" in results[1].error.student_message
    assert refused[0] == 4.0 and len(refused) == 2 and isinstance(refused[1].error, BadReturnValue)
    assert seen == (1, 3, 2, 5)  # 4 and 6 were never called
    assert_no_leftovers()


def test_a_batch_longer_than_one_exchange_is_sent_in_several(sandbox):
    calls = [(k % 3,) for k in range(2 * MAX_CALLS_PER_EXCHANGE + 5)]
    session = session_for(STEPS, sandbox)
    try:
        results = session.call_many("step", calls)
        count = session.call("count")
    finally:
        session.close()
    assert results == [float(2 * k) for (k,) in calls] and count == len(calls)


def test_the_proxy_without_a_batch_caller_makes_the_same_list_one_call_at_a_time(sandbox):
    session = session_for(STEPS, sandbox)
    try:
        batched = StudentProxy(session.call, caller_many=session.call_many).step.many([(1,), (3,), (4,)])
        looped = StudentProxy(session.call).step.many([(1,), (3,), (4,)])
        seen = session.call("seen")
    finally:
        session.close()
    assert [type(r) for r in batched] == [type(r) for r in looped] == [float, Raised]
    assert batched[0] == looped[0] and batched[1].error.student_message == looped[1].error.student_message
    assert seen == (1, 3, 1, 3)
    with pytest.raises(StudentRaised, match="three"):
        list(Raised.values(batched))


def test_more_replies_than_calls_is_refused_and_the_child_is_killed(sandbox):
    session = session_for(FORGED, sandbox)
    try:
        with pytest.raises(StudentError) as refused:
            session.call_many("step", [(1,)])
        restarts = session.restarts
    finally:
        session.close()
    assert isinstance(refused.value, (BadReturnValue, StudentCrashed)) and restarts == 1
    assert_no_leftovers()


def test_fewer_replies_than_calls_without_a_failure_is_refused_and_the_child_is_killed(sandbox):
    session = session_for(SHORT, sandbox)
    try:
        with pytest.raises(BadReturnValue, match="fewer replies"):
            session.call_many("step", [(1,), (2,), (3,)])
        restarts = session.restarts
    finally:
        session.close()
    assert restarts == 1
    assert_no_leftovers()
