"""A student's write into its read-only inputs (through ctypes) is caught by their bytes, whatever the values."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.errors import InputMutated
from .conftest import assert_no_leftovers, session_for

WRITES = b'''
import ctypes
import numpy as np


def write(x, y, how):
    target = y if how == "a label" else x
    raw = (ctypes.c_uint8 * target.nbytes).from_address(target.ctypes.data)
    if how == "zeros":
        ctypes.memset(x.ctypes.data, 0, x.nbytes)
    elif how == "sign of a zero":
        raw[x.itemsize - 1] ^= 0x80  # 0.0 becomes -0.0: equal as a value, another number all the same
    elif how == "nan payload":
        raw[3 * x.itemsize] ^= 0x01  # x[3] stays a nan, with another payload
    elif how == "a label":
        raw[0] ^= 0x01
    elif how == "same bytes":
        raw[0] = raw[0]
    return float(np.nansum(np.asarray(x, dtype=np.float64)))
'''

INPUTS = (np.array([0.0, 1.5, -2.0, np.nan]), np.array([0, 1, 2, 0]))


@pytest.mark.parametrize("how", ["zeros", "sign of a zero", "nan payload", "a label"])
def test_a_write_through_ctypes_is_caught_by_its_bytes(sandbox, how):
    session = session_for(WRITES, sandbox)
    try:
        with pytest.raises(InputMutated) as caught:
            session.call("write", *INPUTS, how)
    finally:
        session.close()
    assert caught.value.positions == ((1,) if how == "a label" else (0,))
    assert_no_leftovers()


def test_writing_back_the_same_bytes_changes_nothing(sandbox):
    session = session_for(WRITES, sandbox)
    try:
        assert session.call("write", *INPUTS, "same bytes") == -0.5
    finally:
        session.close()
    assert_no_leftovers()
