# attack: close the input pipe (every request then meets a closed pipe at once), queue forged replies and stay alive
# expect: 0
import json
import os
import struct
import sys
import time


def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data


read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
os.close(read_fd)
forged = frame({"ready": True, "cell_errors": [], "blobs": 0})
forged += frame({"ok": True, "value": {"t": "f", "v": 0.0}, "mutated": [], "blobs": 0}) * 200
try:
    os.write(write_fd, forged)
except OSError:
    pass
time.sleep(3600)
