"""Run a command the way Docker's default seccomp profile would: namespace creation and mounts fail with EPERM.

Usage: python deny_namespaces.py COMMAND...   (any CPython 3.11+; needs libseccomp.so.2, as the sandbox does)
unshare, setns, mount and clone with any CLONE_NEW* flag return EPERM, clone3 returns ENOSYS (so
libc falls back to clone), and the filter is inherited by everything COMMAND starts: bubblewrap then
cannot build its namespaces, and the container tier cannot mount its tmpfs, exactly as in a
container without CAP_SYS_ADMIN. The filter is loaded with boot.py's own loader.
"""

import errno
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "autograder" / "sandbox"))
import boot  # noqa: E402  (stdlib only, like the sandbox's own boot)

sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from autograder.sandbox.runtime import seccomp_library  # noqa: E402

deny = boot.scmp_act_errno(errno.EPERM)
rules = [(deny, name, ()) for name in ("unshare", "setns", "mount")]
rules += [(deny, "clone", ((0, boot.SCMP_CMP_MASKED_EQ, flag, flag),)) for flag in boot.NAMESPACE_FLAGS]
rules.append((boot.scmp_act_errno(errno.ENOSYS), "clone3", ()))
boot.load_seccomp(str(seccomp_library()), rules)
os.execvp(sys.argv[1], sys.argv[1:])
