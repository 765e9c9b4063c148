# attack: shrink the input pipe with F_SETPIPE_SZ, queue a forged "ready" and forged replies, then sleep forever
# expect: 0
import fcntl
import json
import os
import struct
import sys
import time

F_SETPIPE_SZ = 1031


def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data


read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
try:
    fcntl.fcntl(read_fd, F_SETPIPE_SZ, 4096)
    fcntl.fcntl(write_fd, F_SETPIPE_SZ, 1 << 20)
except OSError:
    pass
forged = frame({"ready": True, "cell_errors": [], "blobs": 0})
forged += frame({"ok": True, "value": {"t": "f", "v": 0.0}, "mutated": [], "blobs": 0}) * 200
try:
    os.write(write_fd, forged)
except OSError:
    pass
time.sleep(3600)
