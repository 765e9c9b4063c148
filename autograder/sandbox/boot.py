"""Inside the sandbox, before any student code: set the rlimits, load the seccomp filter, then run child.py.

Usage: python -I -S boot.py LIMITS_JSON CHILD_PY CHILD_ARGS...   (stdlib only; imports nothing of the grader)
LIMITS_JSON holds the rlimits and `seccomp_library`, the path of libseccomp's C library
(libseccomp.so.2, Debian package libseccomp2), which `load_seccomp` drives through ctypes, so any
CPython >= 3.11 can load the filter. The filter returns EPERM (never kills), so the student's code
sees an OSError with a message. If the filter cannot be loaded, boot exits with status
SECCOMP_FAILED before any student code runs: the parent then refuses to grade (fail closed).
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


# libseccomp's ABI (seccomp.h): actions, comparison operators, the unknown-syscall marker
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ = 1, 4, 7
NR_SCMP_ERROR = -1


def scmp_act_errno(code: int) -> int:
    return 0x00050000 | (code & 0x0000FFFF)


class SeccompError(OSError):
    """libseccomp could not be loaded, or refused a call: no filter, so nothing may run."""


def sandbox_rules() -> list[tuple[int, str, tuple]]:
    """The filter as (action, syscall name, conditions): each condition is (arg index, operator, datum_a, datum_b)."""
    deny = scmp_act_errno(errno.EPERM)
    rules = [(deny, name, ()) for name in DENIED_SYSCALLS]
    rules += [(deny, "clone", ((0, SCMP_CMP_MASKED_EQ, flag, flag),)) for flag in NAMESPACE_FLAGS]
    rules += [
        (scmp_act_errno(errno.ENOSYS), "clone3", ()),  # its flags sit in memory; libc falls back to clone
        (deny, "personality", ((0, SCMP_CMP_NE, PERSONALITY_QUERY, 0),)),
        (deny, "socket", ((0, SCMP_CMP_NE, AF_UNIX, 0),)),
        (deny, "socketpair", ((0, SCMP_CMP_NE, AF_UNIX, 0),)),
    ]
    return rules


def load_seccomp(library: str, rules: list[tuple[int, str, tuple]] | None = None) -> None:
    """Load `rules` (default: `sandbox_rules()`, the sandbox's filter) into this process, allowing everything else.

    `library` is the path of libseccomp.so.2. Self-contained (stdlib ctypes only), so any launcher
    or a pre-forked zygote can call it; raises SeccompError on any failure, and then no filter is loaded.
    """
    _with_filter(library, rules, lambda lib, context: _checked(lib.seccomp_load(context), "seccomp_load"))


def compile_seccomp(library: str, rules: list[tuple[int, str, tuple]] | None = None) -> bytes:
    """The BPF program libseccomp makes of `rules` (as `load_seccomp` would load it), without loading it.

    The pre-forked sandbox compiles it once, and each child loads it with `load_seccomp_program`.
    """
    read_fd, write_fd = os.pipe()
    try:
        _with_filter(library, rules, lambda lib, context: _checked(lib.seccomp_export_bpf(context, write_fd),
                                                                    "seccomp_export_bpf"))
        os.close(write_fd)
        write_fd = -1
        program = b""
        while chunk := os.read(read_fd, 65536):
            program += chunk
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
    if not program or len(program) % 8:
        raise SeccompError(f"seccomp_export_bpf gave {len(program)} bytes, not a BPF program")
    return program


PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def load_seccomp_program(program: bytes) -> None:
    """Load a program from `compile_seccomp` into this process (no_new_privs first, as seccomp_load does)."""
    import ctypes

    class SockFprog(ctypes.Structure):  # struct sock_fprog
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    instructions = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.cast(instructions, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SeccompError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SeccompError(f"prctl(PR_SET_SECCOMP) failed: {os.strerror(ctypes.get_errno())}")


def _checked(code: int, call: str) -> None:
    if code != 0:
        raise SeccompError(f"{call} failed: {os.strerror(-code)}")


def _with_filter(library: str, rules, finish) -> None:
    """Build the filter of `rules` in a libseccomp context and hand it to `finish(lib, context)`."""
    import ctypes

    if not library:
        raise SeccompError("no libseccomp.so.2 was given to load the filter with")

    class ArgCmp(ctypes.Structure):  # struct scmp_arg_cmp
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                    ("datum_b", ctypes.c_uint64)]

    try:
        lib = ctypes.CDLL(library, use_errno=True)
        lib.seccomp_init.argtypes, lib.seccomp_init.restype = [ctypes.c_uint32], ctypes.c_void_p
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.POINTER(ArgCmp)]
        lib.seccomp_rule_add_array.restype = ctypes.c_int
        lib.seccomp_load.argtypes, lib.seccomp_load.restype = [ctypes.c_void_p], ctypes.c_int
        lib.seccomp_export_bpf.argtypes, lib.seccomp_export_bpf.restype = [ctypes.c_void_p, ctypes.c_int], ctypes.c_int
        lib.seccomp_release.argtypes, lib.seccomp_release.restype = [ctypes.c_void_p], None
    except (OSError, AttributeError) as error:
        raise SeccompError(f"cannot load libseccomp from {library!r}: {error}") from None

    context = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise SeccompError("seccomp_init failed")
    try:
        for action, name, conditions in sandbox_rules() if rules is None else rules:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # NR_SCMP_ERROR (unknown) or a pseudo-number: no such syscall on this architecture
                continue
            array = (ArgCmp * max(len(conditions), 1))(*(ArgCmp(*condition) for condition in conditions))
            code = lib.seccomp_rule_add_array(context, action, number, len(conditions), array)
            if code != 0:
                raise SeccompError(f"seccomp_rule_add_array({name}) failed: {os.strerror(-code)}")
        finish(lib, context)  # seccomp_load sets no_new_privs first (SCMP_FLTATR_CTL_NNP defaults to on)
    finally:
        lib.seccomp_release(context)


def main():
    limits = json.loads(sys.argv[1])
    for name, which in LIMITS.items():
        value = int(limits[name])
        resource.setrlimit(which, (value, value))  # hard = soft: the student cannot raise it again
    try:
        if limits["seccomp_library"] is not None or limits["require_seccomp"]:
            load_seccomp(limits["seccomp_library"])
    except Exception as error:  # noqa: BLE001 - any failure means no filter: run nothing
        os.write(2, f"seccomp filter not loaded: {type(error).__name__}: {error}\n".encode())
        os._exit(SECCOMP_FAILED)
    child = sys.argv[2]
    sys.argv = sys.argv[2:]
    runpy.run_path(child, run_name="__main__")


if __name__ == "__main__":
    main()
