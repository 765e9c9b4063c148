"""The parent's decoder accepts plain numeric data only, and refuses everything else with a clear reason."""

import io
import pickle

import numpy as np
import pytest

from autograder.errors import BadReturnValue
from autograder.sandbox.protocol import decode_value, encode_value


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def test_values_round_trip_as_parent_made_objects():
    blobs = []
    tagged = encode_value((np.arange(6.0).reshape(2, 3), np.float32(1.5), 2.5, 3, True, None), blobs)
    array, scalar, number, integer, flag, nothing = decode_value(tagged, blobs)
    assert type(array) is np.ndarray and array.shape == (2, 3)
    assert type(scalar) is np.float32 and scalar == 1.5
    assert (number, integer, flag, nothing) == (2.5, 3, True, None)


def test_object_arrays_are_refused_without_unpickling():
    blobs = [npy(np.array([object()], dtype=object))]
    with pytest.raises(BadReturnValue, match="not a valid numpy array|dtype object"):
        decode_value({"t": "nd", "b": 0}, blobs)


def test_a_raw_pickle_is_refused():
    blobs = [pickle.dumps(np.zeros(3))]
    with pytest.raises(BadReturnValue, match="not a valid numpy array"):
        decode_value({"t": "nd", "b": 0}, blobs)


def test_string_and_structured_arrays_are_refused():
    for array in (np.array(["a", "b"]), np.zeros(2, dtype=[("a", "f8")])):
        with pytest.raises(BadReturnValue, match="only numeric"):
            decode_value({"t": "nd", "b": 0}, [npy(array)])


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
