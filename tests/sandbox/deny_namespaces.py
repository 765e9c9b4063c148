"""Run a command the way Docker's default seccomp profile would: namespace creation fails with EPERM.

Usage: /usr/bin/python3 deny_namespaces.py COMMAND...   (needs Debian's python3-seccomp)
unshare, setns and clone with any CLONE_NEW* flag return EPERM, clone3 returns ENOSYS (so libc
falls back to clone), and the filter is inherited by everything COMMAND starts: bubblewrap then
cannot build its namespaces, exactly as in a container without CAP_SYS_ADMIN.
"""

import errno
import os
import sys

import seccomp

NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)

rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
for name in ("unshare", "setns"):
    rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
for flag in NAMESPACE_FLAGS:
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
rules.load()
os.execvp(sys.argv[1], sys.argv[1:])
