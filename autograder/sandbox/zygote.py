"""The pre-forked sandbox: inside bubblewrap, import numpy once, then fork one fresh child per submission.

Usage: python -I -S zygote.py CONTROL_FD   (stdlib + numpy only; imports boot.py and child.py from /sandbox)

The zygote never runs student code and never loads the seccomp filter itself. For each request on the
control socket (an AF_UNIX SOCK_SEQPACKET from the trusted parent: a JSON header plus SCM_RIGHTS
descriptors STATUS, START, then one `cgroup.procs` per controller) it forks a child that sets itself
up and then waits on START, a socket of its own, for its submission (READ, WRITE, SUBMISSION by
SCM_RIGHTS). The parent prepares the next child this way while the current one is graded:

    zygote ── relay          joins the submission's cgroup, unshares user, mount, pid, ipc, net, uts and
                │            cgroup namespaces, maps its uid to itself, waits, writes the exit status to STATUS
                └─ student   pid 1 of the new pid namespace: fresh tmpfs on every writable mount, a fresh
                             /proc and /dev/pts, checks that nothing writable of the zygote is left, allows
                             no further user namespace, drops every capability; then rlimits and the seccomp
                             filter (compiled once by the zygote); then waits on START; then child.serve on
                             READ/WRITE. Its exit kills the namespace.

Only two processes are forked per child, both from a process the size of numpy: each fork copies the
zygote's page tables and each exit unmaps them, so every process less is a millisecond or more saved.

The relay's status is "<code>\\n" (bubblewrap's convention: 128 + signal when killed), or
"setup-failed\\n<why>" when a namespace, mount, capability or check step failed before any student code
ran: the parent then raises SandboxUnavailable (and at selection falls back to a fresh sandbox per
submission), never a student's score.
"""

import ctypes
import gc
import importlib
import json
import os
import select
import signal
import socket
import struct
import sys

SETUP_FAILED = 96
# What students import besides numpy (log_softmax, logsumexp), imported once here rather than by
# every child: scipy.special alone costs a child about 200 ms. Imported once the zygote has been idle
# for IDLE_BEFORE_PRELOAD_MS, so the first requests (the trial child and the first spares, which come
# a few milliseconds apart) never wait behind the import; the children forked before it import it
# themselves if they need it.
PRELOADED = ("scipy.special",)
IDLE_BEFORE_PRELOAD_MS = 50
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 4, 24, 47, 4
CAPABILITY_VERSION_3 = 0x20080522
MAX_REQUEST_BYTES = 65536
MAX_FDS = 8
# What a child may find writable once set up: its own fresh mounts, and bubblewrap's device nodes.
FRESH_MOUNTS = ("/tmp", "/dev/shm", "/dev/pts", "/proc")
DEVICE_NODES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")

libc = ctypes.CDLL(None, use_errno=True)


class SetupFailed(Exception):
    pass


def check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise SetupFailed(f"{what}: {os.strerror(number)}")


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    sys.path[:0] = ["/sandbox", "/sandbox/site"]
    import boot  # noqa: F401 - loaded once, used by every forked student
    import child  # noqa: F401
    import numpy  # noqa: F401 - the reason the zygote exists: imported once, shared by every fork
    import numpy.random  # noqa: F401 - numpy 2 imports it lazily, at a cost of about 60 ms

    gc.freeze()  # a child's garbage collections then leave the zygote's objects (and their pages) alone
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # relays are reaped by the kernel; they report through STATUS
    control.sendmsg([json.dumps({"ready": True}).encode()])
    preloads = list(PRELOADED)
    while True:
        if preloads and not waiting(control, IDLE_BEFORE_PRELOAD_MS):
            preload(preloads.pop(0))
            gc.freeze()
            continue
        try:
            data, fds = receive(control)
        except ConnectionError:
            return
        if not data:
            return  # the parent closed its end
        request = None
        try:
            request = json.loads(data)
            compiled_filter(json.loads(request["limits"])["seccomp_library"])
            pid = os.fork()
        except Exception as error:  # noqa: BLE001 - a refused request is reported, and the zygote stays up
            close_all(fds)
            number = request.get("id") if isinstance(request, dict) else None
            control.sendmsg([json.dumps({"id": number, "ok": False, "error": f"{type(error).__name__}: {error}"}).encode()])
            continue
        if pid == 0:
            try:
                control.close()
                relay(request, fds)
            finally:
                os._exit(SETUP_FAILED)
        close_all(fds)
        control.sendmsg([json.dumps({"id": request.get("id"), "ok": True}).encode()])


SECCOMP_PROGRAMS = {}  # libseccomp's path -> the sandbox filter it compiles (None if it could not)


def compiled_filter(library):
    """The sandbox's seccomp filter as compiled by `library`, once per zygote: every child loads the same program."""
    import boot

    if library not in SECCOMP_PROGRAMS:
        try:
            SECCOMP_PROGRAMS[library] = boot.compile_seccomp(library)
        except Exception:  # noqa: BLE001 - each child then builds the filter itself, and fails closed if it cannot
            SECCOMP_PROGRAMS[library] = None
    return SECCOMP_PROGRAMS[library]


def waiting(control, timeout_ms):
    """Whether a request comes within `timeout_ms`."""
    poller = select.poll()
    poller.register(control, select.POLLIN)
    return bool(poller.poll(timeout_ms))


def preload(name):
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # not in this runtime: a student who imports it gets the ImportError there


def receive(control):
    data, ancillary, _, _ = control.recvmsg(MAX_REQUEST_BYTES, socket.CMSG_SPACE(MAX_FDS * 4))
    fds = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4])
    return data, fds


def close_all(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def relay(request, fds):
    """The relay: join the cgroup, make the namespaces, start the student as their pid 1, report its exit status."""
    status_fd, start_fd, *procs_fds = fds
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    keep_only([status_fd, start_fd, *procs_fds])
    try:
        for fd in procs_fds:
            os.write(fd, b"0")  # into the submission's memory + pids cgroup, before anything else forks
            os.close(fd)
        uid, gid = os.geteuid(), os.getegid()
        check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
                           | CLONE_NEWCGROUP), "unshare")
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
        setup_read, setup_write = os.pipe()
        student_pid = os.fork()
    except (OSError, SetupFailed) as error:
        report(status_fd, f"setup-failed\nrelay: {error}")
        os._exit(0)
    if student_pid == 0:
        os.close(status_fd)
        os.close(setup_read)
        student(request, start_fd, setup_write)
    for fd in (start_fd, setup_write):
        os.close(fd)
    setup = read_all(setup_read)
    _, status = os.waitpid(student_pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    report(status_fd, f"{code}\n" if setup == b"ok" else f"setup-failed\nstudent: {setup.decode(errors='replace')}")
    os._exit(0)


def read_all(fd):
    data = b""
    while len(data) < 4096:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data


def report(status_fd, text):
    try:
        os.write(status_fd, text[:4000].encode(errors="replace"))
    except OSError:
        pass


def keep_only(fds):
    """Close every descriptor but stdin/stdout/stderr and `fds` (the control socket, other requests' pipes)."""
    keep = set(fds) | {0, 1, 2}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def isolate(request, setup_fd):
    """Make the student's process pid 1 of its namespaces with fresh mounts and no capabilities.

    Writes b"ok" to `setup_fd` when done, or why the setup failed (and exits: nothing of the student runs).
    """
    try:
        fresh_mounts(int(request["tmp_bytes"]), int(request["shm_bytes"]))
        with open("/proc/sys/user/max_user_namespaces", "w") as handle:
            handle.write("0")  # as bwrap's --disable-userns: no user namespace below this one, seccomp or not
        drop_capabilities()
    except Exception as error:  # noqa: BLE001 - any failure: nothing of the student runs
        os.write(setup_fd, f"{type(error).__name__}: {error}"[:4000].encode(errors="replace"))
        os._exit(SETUP_FAILED)
    os.write(setup_fd, b"ok")
    os.close(setup_fd)


def fresh_mounts(tmp_bytes, shm_bytes):
    """Replace every mount the zygote could write with a fresh one, then prove that none is left."""
    inherited = {mount_id for mount_id, *_ in mount_table()}  # this namespace's copies of the zygote's mounts
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    for path, size in ((b"/tmp", tmp_bytes), (b"/dev/shm", shm_bytes)):
        check(libc.mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777".encode()),
              f"tmpfs on {path.decode()}")
    check(libc.mount(b"devpts", b"/dev/pts", b"devpts", MS_NOSUID | MS_NOEXEC,
                     b"newinstance,ptmxmode=0666,mode=0620"), "devpts on /dev/pts")
    check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "proc on /proc")
    os.chdir("/tmp")
    left = shared_writable_mounts(inherited)
    if left:
        raise SetupFailed(f"writable mounts the zygote shares would stay visible: {', '.join(left)}")


def mount_table():
    """(mount id, mount point, options, filesystem type) for each line of /proc/self/mountinfo, in order."""
    entries = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            entries.append((int(fields[0]), fields[4], fields[5].split(","), fields[fields.index("-") + 1]))
    return entries


def shared_writable_mounts(inherited):
    """Reachable read-write mounts inherited from the zygote (none may be, but its device nodes), and fresh
    mount points that are not covered by a mount of this child."""
    topmost = {}
    for mount_id, point, options, fstype in mount_table():
        topmost[point] = (mount_id, options, fstype)  # mountinfo lists a mount after the one it covers
    left = [f"{point} (not fresh)" for point in FRESH_MOUNTS if topmost.get(point, (None,))[0] in inherited | {None}]
    for point, (mount_id, options, fstype) in topmost.items():
        if "rw" in options and mount_id in inherited and not (fstype == "devtmpfs" and point in DEVICE_NODES):
            left.append(point)
    return left


def drop_capabilities():
    """Empty the bounding, ambient, effective, permitted and inheritable sets (capset, prctl)."""
    cap = 0
    while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    if cap == 0:
        raise SetupFailed("cannot drop the capability bounding set")
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    check(libc.capset(header, data), "capset")
    with open("/proc/self/status", encoding="ascii") as handle:
        sets = {line.split(":")[0]: int(line.split()[1], 16) for line in handle if line.startswith("Cap")}
    if any(sets.get(name, 1) for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")):
        raise SetupFailed(f"capabilities remain: {sets}")


def student(request, start_fd, setup_fd):
    """The student's process, pid 1 of its namespaces: `isolate`, the same rlimits and seccomp filter as boot.py,
    then wait for the submission, then child.serve.

    The limits and the filter are in place while the process waits as a spare, so a submission that
    arrives finds its process ready. If either could not be set, the process exits once its submission
    has arrived, before any of it runs, as a child whose setup failed.
    """
    import resource

    import boot
    import child
    import numpy

    isolate(request, setup_fd)
    failure = None
    try:
        check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
        numpy.random.seed()  # the zygote's global RandomState would otherwise be the same in every child
        limits = json.loads(request["limits"])
        for name, which in boot.LIMITS.items():
            value = int(limits[name])
            resource.setrlimit(which, (value, value))
    except Exception as error:  # noqa: BLE001
        failure = (SETUP_FAILED, f"zygote student setup: {error}")
    if failure is None:
        try:
            program = SECCOMP_PROGRAMS.get(limits["seccomp_library"])
            if program is not None:
                boot.load_seccomp_program(program)
            else:
                boot.load_seccomp(limits["seccomp_library"])
        except Exception as error:  # noqa: BLE001 - no filter: run nothing
            failure = (boot.SECCOMP_FAILED, f"seccomp filter not loaded: {type(error).__name__}: {error}")
    start = socket.socket(fileno=start_fd)
    try:
        message, fds, _, _ = socket.recv_fds(start, 16, 3)
    except OSError:
        os._exit(0)
    start.close()
    if message != b"go" or len(fds) != 3:
        os._exit(0)  # the parent discarded this child
    if failure is not None:
        os.write(2, f"{failure[1]}\n".encode())
        os._exit(failure[0])
    read_fd, write_fd, submission_fd = fds
    try:
        with os.fdopen(submission_fd, "rb") as handle:
            cells = json.loads(handle.read())["cells"]
    except Exception as error:  # noqa: BLE001
        os.write(2, f"zygote student setup: {error}\n".encode())
        os._exit(SETUP_FAILED)
    sys.argv = ["/sandbox/child.py", str(read_fd), str(write_fd)]  # what boot.py leaves for child.py
    try:
        child.serve(read_fd, write_fd, cells)
    except BaseException:  # noqa: BLE001 - as an uncaught exception ends python: status 1
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main()
