"""A student's write into its read-only inputs (through ctypes) is caught by their bytes, whatever the values."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.errors import InputMutated
from .conftest import assert_no_leftovers, preforked, session_for

WRITES = b'''
import ctypes
import numpy as np


def write(x, how):
    raw = (ctypes.c_uint8 * x.nbytes).from_address(x.ctypes.data)
    if how == "zeros":
        ctypes.memset(x.ctypes.data, 0, x.nbytes)
    elif how == "sign of a zero":
        raw[x.itemsize - 1] ^= 0x80  # 0.0 becomes -0.0: equal as a value, another number all the same
    elif how == "same bytes":
        raw[0] = raw[0]
    return float(np.asarray(x, dtype=np.float64).sum())
'''


@pytest.fixture(scope="module", params=["zygote", "fresh"])
def sandbox(request, bwrap, fresh_bwrap):
    return preforked(bwrap) if request.param == "zygote" else fresh_bwrap


@pytest.mark.parametrize("how", ["zeros", "sign of a zero"])
def test_a_write_through_ctypes_is_caught_even_when_the_values_stay_equal(sandbox, how):
    x = np.array([0.0, 1.5, -2.0])
    session = session_for(WRITES, sandbox)
    try:
        with pytest.raises(InputMutated) as caught:
            session.call("write", x, how)
    finally:
        session.close()
    assert "write" in str(caught.value)
    assert_no_leftovers()


def test_writing_back_the_same_bytes_changes_nothing(sandbox):
    x = np.array([0.0, 1.5, -2.0])
    session = session_for(WRITES, sandbox)
    try:
        assert session.call("write", x, "same bytes") == -0.5
    finally:
        session.close()
    assert_no_leftovers()
