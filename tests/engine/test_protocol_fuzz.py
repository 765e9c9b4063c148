"""Any bytes on the child's pipe give an accepted value or a student error, never another exception in the parent."""

from __future__ import annotations

import json
import os
import struct
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.errors import BadReturnValue, StudentError
from autograder.sandbox.protocol import (
    ACCEPTED_DTYPES, HEADER, Channel, decode_header, decode_value, encode_message, ready_cell_errors, reply_positions,
)

FUZZ = settings(derandomize=True, max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
ACCEPTED = (np.ndarray, np.generic, float, int, bool, str, tuple, list, type(None))


def through_pipe(data: bytes):
    """Write `data` into a real pipe, close it, and let the parent read one reply and decode its value."""
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=_write_all, args=(write_fd, data))
    writer.start()
    unused_read, unused_write = os.pipe()  # the channel's other direction, never written here
    channel = Channel(read_fd, unused_write)
    try:
        header, blobs = channel.receive(time.monotonic() + 5)
        return decode_value(header.get("value"), blobs)
    finally:
        os.close(read_fd)  # a writer blocked on a full pipe now fails with EPIPE and ends
        os.close(unused_read)
        os.close(unused_write)
        writer.join()


def _write_all(fd: int, data: bytes) -> None:
    try:
        os.write(fd, data) if len(data) <= 4096 else _write_in_blocks(fd, data)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_in_blocks(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view[:65536]):]


def assert_accepted_or_student_error(data: bytes) -> None:
    try:
        value = through_pipe(data)
    except StudentError:
        return
    assert isinstance(value, ACCEPTED)


def raw(array) -> bytes:
    return np.asarray(array).tobytes()


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes(data):
    assert_accepted_or_student_error(data)


TAGGED = st.recursive(
    st.fixed_dictionaries({"t": st.sampled_from(["f", "i", "b", "s", "n", "nd", "np", "pickle"]),
                           "v": st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                           "b": st.integers(-2, 3) | st.text(max_size=2),
                           "d": st.sampled_from(["<f8", ">f4", "|b1", "<i8", "|u1", "<f16", "<U1", "|O", "|V8", "<c16",
                                                 "<M8[ns]", "f8", ""]) | st.integers() | st.none(),
                           "s": st.lists(st.integers(-2, 6) | st.integers(2**31, 2**80) | st.booleans() | st.floats(),
                                         max_size=3) | st.none()}),
    lambda inner: st.fixed_dictionaries({"t": st.sampled_from(["tuple", "list", "dict"]),
                                         "v": st.lists(inner, max_size=3)}),
    max_leaves=10,
)
BLOB = st.one_of(st.binary(max_size=200), st.builds(raw, st.sampled_from(
    [np.zeros((2, 3)), np.float32(1.5), np.array(["a"]), np.arange(4, dtype=np.int8), np.array(True)])))


@settings(FUZZ, max_examples=120)
@given(TAGGED, st.lists(BLOB, max_size=3), st.integers(0, 4), st.binary(max_size=50))
def test_well_framed_replies_with_any_value_and_blobs(tagged, blobs, truncate, noise):
    data = encode_message({"ok": True, "value": tagged}, blobs)
    assert_accepted_or_student_error(data)
    assert_accepted_or_student_error(data[: len(data) - truncate] + noise)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(sorted(ACCEPTED_DTYPES)),
       st.lists(st.integers(0, 50), max_size=3))
def test_any_blob_under_any_numeric_tag(blob, dtype, shape):
    try:
        value = decode_value({"t": "nd", "b": 0, "d": dtype, "s": shape}, [blob])
    except StudentError:
        return
    assert type(value) is np.ndarray and value.nbytes == len(blob) and list(value.shape) == shape


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def test_a_header_nested_a_hundred_thousand_deep_is_the_students_error():
    deep = b'{"ok": true, "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(BadReturnValue, match="not a grader reply"):
        through_pipe(frame(deep))
    nested: list = [1]
    for _ in range(20):
        nested = [nested]
    moderately = json.dumps({"ok": True, "value": {"t": "n"}, "x": nested}).encode()
    with pytest.raises(BadReturnValue, match="nested more than 16 levels"):
        decode_header(moderately)


@pytest.mark.parametrize("tagged", [{"t": "i", "v": 10**400}, {"t": "f", "v": 10**400}, {"t": "i", "v": -(2**64)}])
def test_integers_beyond_64_bits_are_refused(tagged):
    with pytest.raises(BadReturnValue, match="integer too large"):
        through_pipe(frame(json.dumps({"ok": True, "value": tagged}).encode()))


def test_the_honest_twins_of_the_big_integers_are_accepted():
    assert through_pipe(frame(json.dumps({"ok": True, "value": {"t": "i", "v": 2**63 - 1}}).encode())) == 2**63 - 1
    assert through_pipe(frame(json.dumps({"ok": True, "value": {"t": "f", "v": 1e308}}).encode())) == 1e308


def test_a_shape_promising_more_data_than_the_blob_holds_is_refused_before_allocation():
    with pytest.raises(BadReturnValue, match="does not match its declared shape"):
        decode_value({"t": "nd", "b": 0, "d": "<f8", "s": [9999999999999, 10**12]}, [raw(np.zeros(4))])


@pytest.mark.parametrize("shape", [[0, 10**30], [0, 2**63], [2**62, 0, 2**62], [0] + [2**40] * 31])
def test_an_empty_array_with_a_size_numpy_cannot_index_is_the_students_error(shape):
    with pytest.raises(BadReturnValue, match="shape numpy cannot make"):
        decode_value({"t": "nd", "b": 0, "d": "<f8", "s": shape}, [b""])


def test_a_numpy_scalar_tag_must_hold_a_scalar():
    with pytest.raises(BadReturnValue, match="not a scalar"):
        decode_value({"t": "np", "b": 0, "d": "<f8", "s": [2, 2]}, [raw(np.zeros((2, 2)))])
    assert decode_value({"t": "np", "b": 0, "d": "<f8", "s": []}, [raw(np.float64(2.5))]) == 2.5


@pytest.mark.parametrize("mutated", ["0", {"a": 1}, [True], [1.5], [-1], [10**400], None])
def test_a_mutated_field_of_the_wrong_type_is_refused(mutated):
    with pytest.raises(BadReturnValue, match="changed inputs"):
        reply_positions(mutated)
    assert reply_positions([0, 2]) == (0, 2)


@pytest.mark.parametrize(
    "cell_errors",
    ["boom", 5, [1], [{"cell": "x"}], [{"cell": 10**400}], [{"cell": 1, "message": ["a"]}], [{"cell": True}]],
)
def test_cell_errors_of_the_wrong_type_are_refused(cell_errors):
    with pytest.raises(BadReturnValue):
        ready_cell_errors({"ready": True, "cell_errors": cell_errors})


def test_honest_cell_errors_are_read():
    errors = [{"cell": 2, "type": "NameError", "message": "name 'x' is not defined", "traceback": "..."}]
    assert ready_cell_errors({"ready": True, "cell_errors": errors}) == [(2, "NameError", "name 'x' is not defined", "...")]


def test_a_frame_longer_than_its_cap_is_refused_without_reading_it():
    with pytest.raises(BadReturnValue, match="MiB in one reply"):
        through_pipe(struct.pack(">I", 2**31) + b"x")
