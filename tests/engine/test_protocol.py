"""The parent's decoder accepts plain numeric data only, and refuses everything else with a clear reason."""

import pickle

import numpy as np
import pytest

from autograder.errors import BadReturnValue
from autograder.sandbox.protocol import ACCEPTED_DTYPES, decode_value, encode_value


def raw(array, kind="nd"):
    """The tag and blob a child sends for `array`: its dtype string, its shape and its bytes."""
    array = np.asarray(array)
    return {"t": kind, "b": 0, "d": array.dtype.str, "s": list(array.shape)}, [array.tobytes()]


def test_values_round_trip_as_parent_made_objects():
    blobs = []
    tagged = encode_value((np.arange(6.0).reshape(2, 3), np.float32(1.5), 2.5, 3, True, None), blobs)
    array, scalar, number, integer, flag, nothing = decode_value(tagged, blobs)
    assert type(array) is np.ndarray and array.shape == (2, 3)
    assert type(scalar) is np.float32 and scalar == 1.5
    assert (number, integer, flag, nothing) == (2.5, 3, True, None)


def test_every_numeric_dtype_round_trips_in_either_byte_order():
    for dtype in ACCEPTED_DTYPES.values():
        array = np.arange(6).reshape(2, 3).astype(dtype)
        back = decode_value(*raw(array))
        assert back.dtype == dtype and back.shape == (2, 3) and np.array_equal(back, array)
        assert back.flags.writeable  # a grader may work on it in place


def test_object_arrays_are_refused_without_unpickling():
    tagged = {"t": "nd", "b": 0, "d": "|O", "s": [1]}
    with pytest.raises(BadReturnValue, match="dtype object; only numeric"):
        decode_value(tagged, [pickle.dumps(object())[:8]])


def test_a_raw_pickle_is_only_ever_bytes():
    blob = pickle.dumps(np.zeros(3))
    with pytest.raises(BadReturnValue, match="dtype 'None'; only numeric"):
        decode_value({"t": "nd", "b": 0}, [blob])
    with pytest.raises(BadReturnValue, match="does not match its declared shape"):
        decode_value({"t": "nd", "b": 0, "d": "<f8", "s": [3]}, [blob])


def test_string_structured_complex_and_time_arrays_are_refused():
    for array in (np.array(["a", "b"]), np.zeros(2, dtype=[("a", "f8")]), np.zeros(2, complex),
                  np.zeros(2, "datetime64[ns]")):
        with pytest.raises(BadReturnValue, match="only numeric"):
            decode_value(*raw(array))


@pytest.mark.parametrize("shape", [None, "3", [3.0], [True], [-1], [1] * 33, {"0": 3}])
def test_a_shape_that_is_not_a_list_of_sizes_is_refused(shape):
    with pytest.raises(BadReturnValue, match="shape is not a list of sizes"):
        decode_value({"t": "nd", "b": 0, "d": "<f8", "s": shape}, [bytes(24)])


@pytest.mark.parametrize(
    "tagged",
    [{"t": "pickle", "v": "x"}, {"t": "f", "v": "1.0"}, {"t": "i", "v": True}, {"t": "nd", "b": 5}, "raw"],
)
def test_malformed_tags_are_refused(tagged):
    with pytest.raises(BadReturnValue):
        decode_value(tagged, [])


def test_deep_nesting_is_refused():
    tagged = {"t": "n"}
    for _ in range(10):
        tagged = {"t": "list", "v": [tagged]}
    with pytest.raises(BadReturnValue, match="nested too deeply"):
        decode_value(tagged, [])
