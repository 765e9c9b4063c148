# attack: reach the kernel through ptrace, keyctl, add_key, request_key, bpf, perf_event_open, io_uring, mount, kexec, userfaultfd, unshare, setns, personality
# expect: 3
import ctypes
import os

import numpy as np

LIBC = ctypes.CDLL(None, use_errno=True)
CALLS = {  # x86_64 numbers; each with arguments that would do something if the kernel saw them
    "ptrace": (101, 16, 1, 0, 0), "keyctl": (250, 0, -3, 0, 0), "add_key": (248, 0, 0, 0, 0),
    "request_key": (249, 0, 0, 0, 0), "bpf": (321, 0, 0, 0, 0), "perf_event_open": (298, 0, 0, -1, -1),
    "io_uring_setup": (425, 8, 0, 0, 0), "io_uring_enter": (426, 0, 0, 0, 0), "io_uring_register": (427, 0, 0, 0, 0),
    "mount": (165, 0, 0, 0, 0), "umount2": (166, 0, 0, 0, 0), "kexec_load": (246, 0, 0, 0, 0),
    "kexec_file_load": (320, -1, -1, 0, 0), "userfaultfd": (323, 0, 0, 0, 0), "unshare": (272, 0x10000000, 0, 0, 0),
    "setns": (308, -1, 0, 0, 0), "personality": (135, 0x0040000, 0, 0, 0), "process_vm_readv": (310, 1, 0, 0, 0),
    "init_module": (175, 0, 0, 0, 0), "pivot_root": (155, 0, 0, 0, 0), "chroot": (161, 0, 0, 0, 0),
}
REACHED = []
for name, (number, *arguments) in CALLS.items():
    ctypes.set_errno(0)
    if LIBC.syscall(number, *arguments) >= 0 or ctypes.get_errno() != 1:  # anything but EPERM reached the kernel
        REACHED.append(name)
try:
    os.unshare(os.CLONE_NEWNS | os.CLONE_NEWUSER)
    REACHED.append("os.unshare")
except (AttributeError, OSError):
    pass
if os.fork() == 0:  # a clone with namespace flags, as a container runtime would do it
    os._exit(0)


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
    def escapes():
        return len(REACHED)

    @staticmethod
    def leak():
        return np.frombuffer(" ".join(REACHED).encode() or b"-", dtype=np.uint8)
