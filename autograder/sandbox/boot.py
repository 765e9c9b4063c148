"""Inside the sandbox, before any student code: set the rlimits, load the seccomp filter, then run child.py.

Usage: python -I -S boot.py LIMITS_JSON CHILD_PY CHILD_ARGS...   (stdlib only; imports nothing of the grader)
LIMITS_JSON holds the rlimits and `seccomp_dir`, the directory holding Debian's libseccomp binding
(python3-seccomp). The filter returns EPERM (never kills), so the student's code sees an OSError
with a message. If the filter cannot be loaded, boot exits with status SECCOMP_FAILED before any
student code runs: the parent then refuses to grade (fail closed).
Setting RLIMIT_NPROC here, inside bubblewrap's user namespace (or as the container tier's
per-sandbox uid), makes it count only this sandbox's processes.
"""

import errno
import json
import os
import resource
import runpy
import sys

LIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "processes": resource.RLIMIT_NPROC,
    "core_bytes": resource.RLIMIT_CORE,
}
SECCOMP_FAILED = 97

# What trusted judges deny (isolate, nsjail's default policy, Docker's default profile); see docs/SANDBOX.md.
DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
    "open_tree", "mount_setattr", "name_to_handle_at", "open_by_handle_at",
    "unshare", "setns",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "syslog", "uselib", "vhangup", "lookup_dcookie",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
    "connect",  # with socket() limited to AF_UNIX: no way to a host's (or a container's) unix sockets
)
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
AF_UNIX = 1
PERSONALITY_QUERY = 0xFFFFFFFF


def load_seccomp(seccomp_dir: str) -> None:
    """Deny DENIED_SYSCALLS, namespace-creating clone flags, personality changes and non-AF_UNIX sockets."""
    sys.path.insert(0, seccomp_dir)
    try:
        import seccomp
    finally:
        sys.path.remove(seccomp_dir)
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            rules.add_rule(deny, name)
        except (RuntimeError, ValueError):  # a syscall this architecture does not have
            continue
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")  # its flags sit in memory; libc falls back to clone
    rules.add_rule(deny, "personality", seccomp.Arg(0, seccomp.NE, PERSONALITY_QUERY))
    rules.add_rule(deny, "socket", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    rules.add_rule(deny, "socketpair", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    rules.load()  # sets no_new_privs first
    sys.modules.pop("seccomp", None)


def main():
    limits = json.loads(sys.argv[1])
    for name, which in LIMITS.items():
        value = int(limits[name])
        resource.setrlimit(which, (value, value))  # hard = soft: the student cannot raise it again
    try:
        if limits["seccomp_dir"] is not None or limits["require_seccomp"]:
            load_seccomp(limits["seccomp_dir"])
    except Exception as error:  # noqa: BLE001 - any failure means no filter: run nothing
        os.write(2, f"seccomp filter not loaded: {type(error).__name__}: {error}\n".encode())
        os._exit(SECCOMP_FAILED)
    child = sys.argv[2]
    sys.argv = sys.argv[2:]
    runpy.run_path(child, run_name="__main__")


if __name__ == "__main__":
    main()
