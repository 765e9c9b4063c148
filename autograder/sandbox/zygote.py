"""The pre-forked sandbox: inside bubblewrap, import numpy once, then fork one fresh child per submission.

Usage: python -I -S zygote.py CONTROL_FD   (stdlib + numpy only; imports boot.py and child.py from /sandbox)

The zygote never runs student code and never loads the seccomp filter itself. It starts by making a
user namespace and a pid namespace of its own (before numpy, while a fork is cheap) and becomes pid 1
there, so it holds the capability to give each child a pid namespace of its own directly:

    bwrap ── zygote (start)      unshares user and pid namespaces, maps its uid to itself, forks, waits
               └─ zygote         pid 1 of that pid namespace; imports numpy, serves requests, reaps children
                    └─ child     pid 1 of a new pid namespace (unshare(CLONE_NEWPID), fork, setns back):
                                 joins the submission's cgroup, unshares mount, ipc, net, uts and cgroup
                                 namespaces; fresh tmpfs on every writable mount, a fresh /proc and /dev/pts,
                                 checks that nothing writable of the zygote is left; then a user namespace of
                                 its own that allows no further one; drops every capability; rlimits and the
                                 seccomp filter (compiled once by the zygote); waits on START; child.serve on
                                 READ/WRITE. Its exit kills its pid namespace.

One process is forked per child, from a process the size of numpy: a fork copies the zygote's page
tables and an exit unmaps them, about 3 ms a process here, so no relay or init stands between the
zygote and the student.

For each request on the control socket (an AF_UNIX SOCK_SEQPACKET from the trusted parent: a JSON
header plus SCM_RIGHTS descriptors STATUS, START, then one `cgroup.procs` per controller) the zygote
forks a child that sets itself up and then waits on START, a socket of its own, for its submission
(READ, WRITE, SUBMISSION by SCM_RIGHTS). The parent prepares the next child this way while the
current one is graded. When a child exits the zygote reaps it and writes its status to STATUS:
"<code>\n" (bubblewrap's convention: 128 + signal when killed), or "setup-failed\n<why>" when a
namespace, mount, capability or check step failed before any student code ran: the parent then
raises SandboxUnavailable (and at selection falls back to a fresh sandbox per submission), never a
student's score. A child never holds STATUS, so nothing it runs can write its own status.
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
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 1, 4, 24, 47, 4
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
    try:
        own_namespaces(control)
    except (OSError, SetupFailed) as error:
        control.sendmsg([json.dumps({"ready": False, "error": f"zygote namespaces: {error}"}).encode()])
        return
    sys.path[:0] = ["/sandbox", "/sandbox/site"]
    import boot  # noqa: F401 - loaded once, used by every forked student
    import child  # noqa: F401
    import numpy  # noqa: F401 - the reason the zygote exists: imported once, shared by every fork
    import numpy.random  # noqa: F401 - numpy 2 imports it lazily, at a cost of about 60 ms

    gc.freeze()  # a child's garbage collections then leave the zygote's objects (and their pages) alone
    zygote = Zygote(control)
    control.sendmsg([json.dumps({"ready": True}).encode()])
    zygote.serve()


def own_namespaces(control):
    """Make a user and a pid namespace, and go on as pid 1 there; the process that made them waits for it."""
    uid, gid = os.geteuid(), os.getegid()
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWPID), "unshare user and pid namespaces")
    map_own_ids(uid, gid)
    pid = os.fork()
    if pid != 0:
        control.close()  # the parent sees the zygote's end of the socket close when the zygote itself exits
        _, status = os.waitpid(pid, 0)
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")


def map_own_ids(uid, gid):
    """In a user namespace just made: deny setgroups and map this process's uid and gid to themselves."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


class Zygote:
    """Serves fork requests on the control socket and reports each child's exit status when it reaps it."""

    def __init__(self, control):
        self.control = control
        self.pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.children = {}  # pid -> (STATUS, the read end of its setup pipe)
        self.wakeup_read, wakeup_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wakeup_write, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes `serve` through the wakeup pipe
        self.poller = select.poll()
        self.poller.register(control, select.POLLIN)
        self.poller.register(self.wakeup_read, select.POLLIN)

    def serve(self):
        preloads = list(PRELOADED)
        while True:
            # Preload only once the zygote has been idle: the first requests never wait behind an import.
            events = dict(self.poller.poll(IDLE_BEFORE_PRELOAD_MS if preloads else None))
            if self.wakeup_read in events:
                drain(self.wakeup_read)
                self.reap()
            if self.control.fileno() not in events:
                if preloads and not events:
                    preload(preloads.pop(0))
                    gc.freeze()
                continue
            try:
                data, fds = receive(self.control)
            except ConnectionError:
                return
            if not data:
                return  # the parent closed its end: the zygote exits, and every child's namespace with it
            self.answer(data, fds)

    def answer(self, data, fds):
        request, setup = None, []
        try:
            request = json.loads(data)
            status_fd, start_fd, *procs_fds = fds
            compiled_filter(json.loads(request["limits"])["seccomp_library"])
            setup = setup_read, setup_write = os.pipe()
            pid = self.fork_in_new_pid_namespace()
        except Exception as error:  # noqa: BLE001 - a refused request is reported, and the zygote stays up
            close_all([*fds, *setup])
            number = request.get("id") if isinstance(request, dict) else None
            self.control.sendmsg([json.dumps({"id": number, "ok": False,
                                              "error": f"{type(error).__name__}: {error}"}).encode()])
            return
        if pid == 0:
            try:
                student(request, start_fd, setup_write, procs_fds)
            finally:
                os._exit(SETUP_FAILED)
        close_all([start_fd, setup_write, *procs_fds])
        self.children[pid] = (status_fd, setup_read)
        self.control.sendmsg([json.dumps({"id": request.get("id"), "ok": True}).encode()])

    def fork_in_new_pid_namespace(self):
        """Fork a child that is pid 1 of a pid namespace of its own; the zygote's later children are not in it."""
        check(libc.unshare(CLONE_NEWPID), "unshare pid namespace")
        try:
            pid = os.fork()
        except BaseException:
            self.restore_pid_namespace()
            raise
        if pid != 0:
            self.restore_pid_namespace()
        return pid

    def restore_pid_namespace(self):
        """Children forked from now on go into the zygote's own pid namespace again (unshare is then allowed)."""
        if libc.setns(self.pid_namespace, CLONE_NEWPID) != 0:
            os._exit(SETUP_FAILED)  # it could not give the next child a namespace of its own: the parent replaces it

    def reap(self):
        """Report the status of every child that has exited."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid not in self.children:
                continue
            status_fd, setup_read = self.children.pop(pid)
            setup = read_all(setup_read)
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
            report(status_fd, f"{code}\n" if setup == b"ok" else f"setup-failed\n{setup.decode(errors='replace')}")
            os.close(status_fd)


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


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


def isolate(request, setup_fd, procs_fds):
    """Give the child (pid 1 of its pid namespace) its cgroup, namespaces and fresh mounts; drop every capability.

    Writes b"ok" to `setup_fd` when done, or why the setup failed (and exits: nothing of the student runs).
    """
    try:
        for fd in procs_fds:
            os.write(fd, b"0")  # into the submission's memory + pids cgroup, before anything else
            os.close(fd)
        uid, gid = os.geteuid(), os.getegid()
        check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP), "unshare")
        fresh_mounts(int(request["tmp_bytes"]), int(request["shm_bytes"]))
        check(libc.unshare(CLONE_NEWUSER), "unshare user namespace")  # its own, below the zygote's
        map_own_ids(uid, gid)
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


def student(request, start_fd, setup_fd, procs_fds):
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

    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    keep_only([start_fd, setup_fd, *procs_fds])  # no other child's descriptors, nor the zygote's
    isolate(request, setup_fd, procs_fds)
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
