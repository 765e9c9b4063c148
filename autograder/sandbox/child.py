"""The sandboxed child: load the student's cells, then answer calls over two pipes. Untrusted territory.

This file runs alone inside the sandbox with only the standard library and numpy; it imports
nothing from the grader, and the parent trusts nothing it sends.
Usage: python -I -S child.py READ_FD WRITE_FD SUBMISSION_JSON [SITE_DIR]
(or `serve(...)` from zygote.py, in a process forked from the pre-forked sandbox)
"""

import json
import os
import struct
import sys
import traceback

FRAME = struct.Struct(">I")


def main():
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 4:
        sys.path.insert(0, sys.argv[4])
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with open(sys.argv[3], encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    serve(read_fd, write_fd, cells)


def serve(read_fd, write_fd, cells):
    """Run the cells, send the ready message, then answer calls until the parent closes the pipe.

    The pre-forked sandbox (zygote.py) calls this in each forked child, with numpy already imported.
    """
    # The protocol descriptors must not be 0-2: a student's print() must never reach the parent.
    reader = os.fdopen(read_fd, "rb", buffering=1 << 16)  # a whole request in one read: the grader waits for the reply
    writer = os.fdopen(write_fd, "wb", buffering=0)
    import numpy as np

    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "input": no_input}
    cell_errors = [error for index, cell in enumerate(cells) if (error := run_cell(index, cell, namespace))]
    send(writer, {"ready": True, "cell_errors": cell_errors, "numpy": np.__version__}, [])
    while True:
        message = receive(reader)
        if message is None:
            return
        header, blobs = message
        reply_blobs = []
        if header.get("op") == "call":
            reply = answer_call(namespace, header, blobs, np, reply_blobs)
        elif header.get("op") == "map":
            reply = {"replies": answer_calls(namespace, header, blobs, np, reply_blobs)}
        else:
            reply = {"ok": False, "error": {"type": "ProtocolError", "message": "unknown op"}}
        send(writer, reply, reply_blobs)


def no_input(prompt=""):
    raise EOFError("input() is not available while grading: nobody can type an answer. "
                   "Remove input() calls from your answer cells.")


def run_cell(index, code, namespace):
    try:
        exec(compile(code, f"<cell {index + 1}>", "exec"), namespace)
    except BaseException as error:  # noqa: BLE001 - a student's SystemExit or KeyboardInterrupt too
        if isinstance(error, SystemExit):
            return {"cell": index + 1, "type": "SystemExit", "message": "the cell called exit(); the grader ignored it"}
        return {"cell": index + 1, "type": type(error).__name__, "message": str(error)[:500],
                "traceback": student_traceback(error)}
    return None


def answer_calls(namespace, header, blobs, np, reply_blobs):
    """One reply per call of header["calls"] (each {"args", "kwargs"}) to header["target"], in order, up to and
    including the first that fails."""
    replies = []
    for call in header.get("calls", []):
        replies.append(answer_call(namespace, dict(call, target=header.get("target", "")), blobs, np, reply_blobs))
        if replies[-1].get("ok") is not True:
            break
    return replies


def answer_call(namespace, header, blobs, np, reply_blobs):
    """The reply to one call; the arrays of its value are appended to `reply_blobs`."""
    target = str(header.get("target", ""))
    try:
        function = resolve(namespace, target)
    except LookupError as missing:
        return {"ok": False, "missing": str(missing)}
    args = [decode(item, blobs, np) for item in header.get("args", [])]
    kwargs = {key: decode(item, blobs, np) for key, item in header.get("kwargs", {}).items()}
    # The bytes, not the values: a write through ctypes that leaves a nan or a -0.0 equal is still a write.
    snapshots = [(position, array.tobytes()) for position, array in enumerate(args) if isinstance(array, np.ndarray)]
    try:
        value = function(*args, **kwargs)
    except BaseException as error:  # noqa: BLE001
        return {"ok": False, "error": {"type": type(error).__name__, "message": str(error)[:500],
                                       "traceback": student_traceback(error)}}
    mutated = [position for position, before in snapshots if args[position].tobytes() != before]
    first_blob = len(reply_blobs)
    try:
        encoded = encode(value, reply_blobs, np, 0)
    except TypeError as error:
        del reply_blobs[first_blob:]
        return {"ok": False, "unsupported": str(error)}
    return {"ok": True, "value": encoded, "mutated": mutated}


def resolve(namespace, target):
    head, *rest = target.split(".")
    if head not in namespace:
        raise LookupError(head)
    value = namespace[head]
    for part in rest:
        if not hasattr(value, part):
            raise LookupError(target)
        value = getattr(value, part)
    return value


def decode(tagged, blobs, np):
    kind = tagged["t"]
    if kind in ("nd", "np"):
        array = np.frombuffer(blobs[tagged["b"]], dtype=np.dtype(tagged["d"])).reshape(tagged["s"])
        return array if kind == "nd" else array[()]  # read-only for good: its memory is an immutable bytes
    if kind in ("tuple", "list"):
        items = [decode(item, blobs, np) for item in tagged["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {key: decode(item, blobs, np) for key, item in tagged["v"].items()}
    return None if kind == "n" else tagged["v"]


def encode(value, blobs, np, depth):
    if depth > 3:
        raise TypeError("a value nested more than three levels deep")
    if type(value) is np.ndarray or isinstance(value, np.generic):
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.fields:
            raise TypeError(f"an array of dtype {array.dtype}")
        blobs.append(array.tobytes())
        return {"t": "nd" if type(value) is np.ndarray else "np", "b": len(blobs) - 1, "d": array.dtype.str,
                "s": list(array.shape)}
    for python_type, tag in ((bool, "b"), (int, "i"), (float, "f"), (str, "s")):
        if type(value) is python_type:
            return {"t": tag, "v": value}
    if value is None:
        return {"t": "n"}
    if type(value) in (tuple, list):
        return {"t": type(value).__name__, "v": [encode(item, blobs, np, depth + 1) for item in value]}
    raise TypeError(f"a value of type {type(value).__module__}.{type(value).__qualname__}")


def student_traceback(error):
    # Only the student's own frames, and no source lookup for the others: reading numpy's or this file's
    # source to show lines that are then dropped cost a fresh child up to milliseconds per error.
    cell_frames = [(frame, line) for frame, line in traceback.walk_tb(error.__traceback__)
                   if frame.f_code.co_filename.startswith("<cell")]
    frames = traceback.StackSummary.extract(cell_frames[-5:], lookup_lines=False)
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines)[-2000:]


def send(writer, header, blobs):
    header = dict(header, blobs=len(blobs))
    parts = [json.dumps(header).encode(), *blobs]
    message = memoryview(b"".join(piece for part in parts for piece in (FRAME.pack(len(part)), part)))
    while message:
        message = message[writer.write(message):]


def receive(reader):
    header = read_frame(reader)
    if header is None:
        return None
    header = json.loads(header)
    return header, [read_frame(reader) for _ in range(header.get("blobs", 0))]


def read_frame(reader):
    prefix = read_exactly(reader, FRAME.size)
    return None if prefix is None else read_exactly(reader, FRAME.unpack(prefix)[0])


def read_exactly(reader, size):
    data = bytearray()
    while len(data) < size:
        chunk = reader.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


if __name__ == "__main__":
    main()
