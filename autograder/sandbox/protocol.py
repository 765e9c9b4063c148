"""The parent's half of the wire protocol: length-prefixed frames, a JSON header, arrays as raw bytes.

A message is one header frame (UTF-8 JSON) followed by as many binary frames as the header's
"blobs" count. Values inside the header are tagged: {"t": "nd", "b": i, "d": dtype, "s": shape} an
array whose C-order bytes are blob i ("d" is numpy's dtype string such as "<f8", "s" a list of
sizes), {"t": "np", ...} the same for a numpy scalar (shape []), "f"/"i"/"b" a Python
float/int/bool, "s" a string, "n" None, "tuple"/"list" a sequence. The child's half lives in
sandbox/child.py, which imports nothing from this package. Nothing from the child is unpickled or
parsed by numpy's file readers: its dtype must be one of a fixed set of numeric dtypes, its shape a
short list of sizes, and both are checked against the blob's length before an array is made.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time

import numpy as np

from autograder.errors import BadReturnValue, StudentCrashed, StudentTimeout

HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_HEADER_BYTES = 1024 * 1024
MAX_BLOBS = 64
MAX_DEPTH = 4
MAX_HEADER_DEPTH = 16  # JSON nesting of a whole reply; a value inside it is held to MAX_DEPTH
MAX_WIRE_INT = 2**64  # a Python int from the child lies in (-2**64, 2**64): 10**400 is refused here
MAX_DIMENSIONS = 32
READ_BYTES = 65536  # what one read of the reply pipe asks for at least: a whole small reply
ACCEPTED_DTYPES = {
    dtype.str: dtype
    for kind in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                 np.float16, np.float32, np.float64, np.longdouble)
    for dtype in (np.dtype(kind).newbyteorder("<"), np.dtype(kind).newbyteorder(">"))
}


def encode_message(header: dict, blobs: list[bytes]) -> bytes:
    parts = [json.dumps({**header, "blobs": len(blobs)}).encode()] + blobs
    return b"".join(HEADER.pack(len(part)) + part for part in parts)


def encode_value(value, blobs: list[bytes]):
    """Tag a trusted parent value (arrays, scalars, sequences, dicts of kwargs) for the child."""
    if isinstance(value, (np.ndarray, np.generic)):
        return _array_tag(np.asarray(value), blobs, "nd" if isinstance(value, np.ndarray) else "np")
    if isinstance(value, bool):
        return {"t": "b", "v": value}
    if isinstance(value, int):
        return {"t": "i", "v": value}
    if isinstance(value, float):
        return {"t": "f", "v": value}
    if isinstance(value, str):
        return {"t": "s", "v": value}
    if value is None:
        return {"t": "n"}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__, "v": [encode_value(item, blobs) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": {str(k): encode_value(v, blobs) for k, v in value.items()}}
    raise TypeError(f"cannot send {type(value).__name__} to the sandbox")


def _array_tag(array: np.ndarray, blobs: list[bytes], kind: str) -> dict:
    if array.dtype.hasobject or array.dtype.fields:
        raise TypeError(f"cannot send an array of dtype {array.dtype} to the sandbox")
    blobs.append(array.tobytes())
    return {"t": kind, "b": len(blobs) - 1, "d": array.dtype.str, "s": list(array.shape)}


def decode_value(tagged, blobs: list[bytes], depth: int = 0):
    """Rebuild a value the child sent, as plain parent-made objects; refuse anything else."""
    if depth > MAX_DEPTH or not isinstance(tagged, dict):
        raise BadReturnValue("returned a value nested too deeply or of an unknown kind")
    kind = tagged.get("t")
    if kind in ("nd", "np"):
        array = _array(blobs, tagged)
        if kind == "nd":
            return array
        if array.ndim != 0:
            raise BadReturnValue("sent a numpy scalar that is not a scalar")
        return array[()]
    if kind in ("f", "i", "b", "s"):
        return _scalar(kind, tagged.get("v"))
    if kind == "n":
        return None
    if kind in ("tuple", "list"):
        items = tagged.get("v")
        if not isinstance(items, list) or len(items) > MAX_BLOBS:
            raise BadReturnValue("returned a sequence that is too long")
        decoded = [decode_value(item, blobs, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    raise BadReturnValue(f"returned a value of a kind the grader does not accept ({str(kind)[:40]!r})")


def _scalar(kind: str, value):
    expected = {"f": (float, int), "i": (int,), "b": (bool,), "s": (str,)}[kind]
    if not isinstance(value, expected) or (kind in "fi" and isinstance(value, bool)):
        raise BadReturnValue("sent a scalar whose value does not match its declared type")
    if kind == "s" and len(value) > 10_000:
        raise BadReturnValue("returned a string longer than 10,000 characters")
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_WIRE_INT < value < MAX_WIRE_INT:
        raise BadReturnValue(
            "returned an integer too large for any numeric check (more than 64 bits); return a float "
            "or a numpy value"
        )
    return {"f": float, "i": int, "b": bool, "s": str}[kind](value)


def _array(blobs: list[bytes], tagged: dict) -> np.ndarray:
    """The array a tag describes, made from its blob once its dtype, shape and length all agree."""
    index, dtype_name, shape = tagged.get("b"), tagged.get("d"), tagged.get("s")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(blobs):
        raise BadReturnValue("sent an array reference that does not exist")
    dtype = ACCEPTED_DTYPES.get(dtype_name) if isinstance(dtype_name, str) else None
    if dtype is None:
        raise BadReturnValue(
            f"returned an array of dtype {_dtype_shown(dtype_name)}; only numeric (bool, int, float) arrays are accepted"
        )
    if (not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS
            or not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape)):
        raise BadReturnValue("returned a numpy array whose shape is not a list of sizes")
    blob = blobs[index]
    if math.prod(shape) * dtype.itemsize != len(blob):
        raise BadReturnValue("returned a numpy array whose data does not match its declared shape")
    try:
        array = np.frombuffer(blob, dtype=dtype).reshape(shape)
    except ValueError:  # an empty array with a size numpy cannot index, such as [0, 10**30]
        raise BadReturnValue("returned a numpy array whose shape numpy cannot make") from None
    return array if array.flags.writeable else array.copy()


def _dtype_shown(name) -> str:
    """A dtype the child named, for the message that refuses it (numpy's name where it is a plain one)."""
    text = str(name)[:40]
    if (isinstance(name, str) and 2 <= len(name) <= 8 and name[0] in "<>|=" and name[1].isalpha()
            and (name[2:].isdigit() or not name[2:])):
        try:
            return str(np.dtype(name))
        except TypeError:
            pass
    return repr(text)


def decode_header(header_bytes: bytes) -> dict:
    """The reply header as a JSON object of bounded depth, or `BadReturnValue`."""
    try:
        header = json.loads(header_bytes)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadReturnValue("the submission wrote something that is not a grader reply onto the grader's channel") from None
    if not isinstance(header, dict):
        raise BadReturnValue("the submission sent a reply that is not a JSON object")
    brackets = header_bytes.count(b"[") + header_bytes.count(b"{")  # no deeper than it has brackets
    if brackets > MAX_HEADER_DEPTH and _nesting(header) > MAX_HEADER_DEPTH:
        raise BadReturnValue(f"the submission sent a reply nested more than {MAX_HEADER_DEPTH} levels deep")
    return header


def _nesting(value) -> int:
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if depth > MAX_HEADER_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending += [(child, depth + 1) for child in children if isinstance(child, (dict, list))]
    return deepest


MAX_CELL_ERRORS = 50


def reply_positions(value) -> tuple[int, ...]:
    """A reply's `mutated` field: a short list of argument positions, or `BadReturnValue`."""
    if not isinstance(value, list) or len(value) > MAX_BLOBS:
        raise BadReturnValue("sent a reply whose list of changed inputs is not a list")
    if not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p < MAX_BLOBS for p in value):
        raise BadReturnValue("sent a reply whose list of changed inputs holds something other than positions")
    return tuple(value)


def ready_cell_errors(ready: dict) -> list[tuple[int, str, str, str]]:
    """The ready message's `cell_errors`, checked field by field: (cell, type, message, traceback)."""
    if ready.get("ready") is not True:
        raise BadReturnValue("it is not a ready message")
    errors = ready.get("cell_errors", [])
    if not isinstance(errors, list):
        raise BadReturnValue("cell_errors is not a list")
    checked = []
    for error in errors[:MAX_CELL_ERRORS]:
        if not isinstance(error, dict):
            raise BadReturnValue("a cell error is not an object")
        cell = error.get("cell", 0)
        texts = [error.get(key, "") for key in ("type", "message", "traceback")]
        if not isinstance(cell, int) or isinstance(cell, bool) or not 0 <= cell < 100_000:
            raise BadReturnValue("a cell error names no cell")
        if not all(isinstance(text, str) for text in texts):
            raise BadReturnValue("a cell error's type, message or traceback is not text")
        checked.append((cell, texts[0][:80], texts[1][:500], texts[2][:2000]))
    return checked


class Channel:
    """Framed messages over a pair of pipe descriptors, with a deadline on every write and every read.

    Both descriptors are non-blocking: a child that stops reading (or shrinks its pipe with
    F_SETPIPE_SZ) and sleeps costs the grader the call's deadline, never a hang.
    """

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._pending = bytearray()  # read from the pipe, not yet taken: one read usually holds a whole reply
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)

    def send(self, header: dict, blobs: list[bytes], deadline: float) -> None:
        data = memoryview(encode_message(header, blobs))
        while data:
            try:
                written = os.write(self.write_fd, data)  # a request usually fits the pipe: no wait at all
            except BlockingIOError:
                if not _wait(self.write_fd, select.POLLOUT, deadline):
                    raise StudentTimeout("did not read its input before the deadline") from None
                continue
            except OSError:  # EPIPE: the child has gone
                raise StudentCrashed("the student's process exited while the grader was sending it input") from None
            data = data[written:]

    def receive(self, deadline: float, *, max_blobs: int = MAX_BLOBS) -> tuple[dict, list[bytes]]:
        """One message: its header and its blobs (at most `max_blobs`, MAX_FRAME_BYTES in all)."""
        header = decode_header(self._frame(deadline, MAX_HEADER_BYTES))
        count = header.get("blobs", 0)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= max_blobs:
            raise BadReturnValue("the submission sent a reply with an invalid number of arrays")
        total = 0
        blobs = []
        for _ in range(count):
            blob = self._frame(deadline, MAX_FRAME_BYTES - total)
            total += len(blob)
            blobs.append(blob)
        return header, blobs

    def _frame(self, deadline: float, limit: int) -> bytes:
        length = HEADER.unpack(self._exactly(HEADER.size, deadline))[0]
        if length > limit:
            raise BadReturnValue(
                f"returned {length / 2**20:.1f} MiB in one reply; the grader accepts at most "
                f"{MAX_FRAME_BYTES // 2**20} MiB. Return only the outputs the method is asked for."
            )
        return self._exactly(length, deadline)

    def _exactly(self, size: int, deadline: float) -> bytearray:
        while len(self._pending) < size:
            try:  # on one core the reply is usually written before the grader runs again: read, then wait
                chunk = os.read(self.read_fd, min(max(size - len(self._pending), READ_BYTES), 1 << 20))
            except BlockingIOError:
                if not _wait(self.read_fd, select.POLLIN, deadline):
                    raise StudentTimeout("did not answer before the deadline") from None
                continue
            if not chunk:
                raise StudentCrashed("the student's process exited unexpectedly")
            self._pending += chunk
            if len(self._pending) < size and time.monotonic() >= deadline:  # a trickle never outlasts the deadline
                raise StudentTimeout("did not answer before the deadline")
        if len(self._pending) == size:
            taken, self._pending = self._pending, bytearray()
            return taken
        taken = self._pending[:size]
        del self._pending[:size]
        return taken


def _wait(fd: int, event: int, deadline: float) -> bool:
    """Wait until `fd` is ready for `event` (or hung up); False once `deadline` has passed."""
    poller = select.poll()
    poller.register(fd, event)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if poller.poll(max(1, int(remaining * 1000) + 1)):
            return True
