"""The container tier: where user namespaces are denied (Docker's default profile), chroot the child into
the runtime's root and run it as its own unprivileged uid.

- Identity: each live sandbox holds a uid of its own from UID_RANGE (claimed with a lock file), so
  RLIMIT_NPROC counts that sandbox alone, its kill(-1) reaches only itself, and no two students
  share an owner. setgroups([]), setgid, setuid happen after the chroot, before exec.
- Filesystem: chroot into `rootfs.rootfs_for(runtime)`: the interpreter, stdlib, libraries and site
  dir, all root-owned; no /proc, no /dev, nothing of the course. `/box/<id>` is root's (group: the
  sandbox's gid, mode 0550). Its only writable directory is `/box/<id>/tmp`: a fresh tmpfs of
  TMP_BYTES and TMP_INODES (mode 0700, its uid) that the root parent mounts there, so the total it
  can write is capped (and counted in its memory cgroup); where the container forbids mount(2),
  that directory is read-only instead (nothing can be written at all). Both removed afterwards.
- Limits: a memory + pids cgroup per sandbox where one can be made; otherwise it may not fork at
  all (RLIMIT_NPROC = 1 for its uid), so RLIMIT_AS bounds its memory. boot.py loads the seccomp
  filter, which also refuses every socket family but AF_UNIX and every connect().
- Descriptors: only the two protocol pipes; stdin/stdout/stderr are /dev/null.
- Killing: every member of its cgroup, or (without one) every process of its uid via a helper that
  becomes that uid and calls kill(-1, SIGKILL) until nothing is left.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.sandbox import cgroups
from autograder.sandbox.launch import CHILD_ENV, PROBE_SOURCE, boot_limits, join_cgroup
from autograder.sandbox.rootfs import SECCOMP_LIBRARY, rootfs_for
from autograder.sandbox.runtime import Runtime, load_runtime

UID_BASE = int(os.environ.get("AUTOGRADER_SANDBOX_UID_BASE", "65100"))
UID_RANGE = range(UID_BASE, UID_BASE + 256)
LOCK_DIR = Path("/run/autograder-sandbox-uids")
_PR_SET_PDEATHSIG = 1
TMP_BYTES = 32 * 2**20
TMP_INODES = 4096
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 2, 4, 8
_MNT_DETACH = 2
_LIBC = ctypes.CDLL(None, use_errno=True)


class UidLauncher:
    """Starts each child chrooted, as a uid of its own, under a cgroup (or no fork) and seccomp."""

    isolation = "uid"

    def __init__(self, runtime: Runtime | None = None):
        if os.geteuid() != 0:
            raise SandboxUnavailable("the container tier must start as root to switch to a sandbox uid")
        runtime = runtime or load_runtime()
        if runtime is None:
            raise SandboxUnavailable("the sandbox runtime is not built: run `python -m autograder.sandbox.runtime`")
        try:
            self.root = rootfs_for(runtime)
        except OSError as error:
            raise SandboxUnavailable(f"cannot build the container tier's root ({error})") from None
        LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.private_tmpfs = _tmpfs_allowed(self.root / "box")  # False: a read-only temp dir (no writes at all)
        self._live: dict[int, tuple[int, int, Path, cgroups.Cgroup | None]] = {}  # pid -> uid, lock, box, cgroup

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen:
        return self._start(limits, "/sandbox/child.py", submission_file.read_bytes(), (read_fd, write_fd))

    def _start(self, limits, script: str, submission: bytes, keep_fds=(), stderr=subprocess.DEVNULL,
               probe: bool = False) -> subprocess.Popen:
        uid, lock = _claim_uid()
        box = self.root / "box" / f"{uid}"
        group = None
        try:
            _kill_uid(uid)  # a previous holder that died without cleaning up
            _remove_box(box)
            (box / "tmp").mkdir(parents=True)
            (box / "submission.json").write_bytes(submission)
            if probe:
                (box / "probe.py").write_bytes(PROBE_SOURCE)
            os.chown(box, 0, uid)
            os.chmod(box, 0o550)  # its own gid may enter and read; only root writes; others see nothing
            if self.private_tmpfs:
                _mount_tmpfs(box / "tmp", uid)
            else:
                os.chown(box / "tmp", 0, uid)
                os.chmod(box / "tmp", 0o550)
            group = _sandbox_cgroup(limits)
            inside = f"/box/{uid}"
            script = f"{inside}/probe.py" if probe else script
            command = ["/usr/bin/python3", "-I", "-S", "/sandbox/boot.py",
                       boot_limits(limits, seccomp_library=SECCOMP_LIBRARY, processes=limits.processes if group else 1),
                       script, *(str(fd) for fd in keep_fds), f"{inside}/submission.json", "/sandbox/site"]
            join_fds = group.open_procs() if group is not None else []
            try:
                process = subprocess.Popen(
                    command,  # exec'd after the chroot: /usr/bin/python3 is the root's own
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, pass_fds=keep_fds,
                    env={**CHILD_ENV, "HOME": f"{inside}/tmp", "TMPDIR": f"{inside}/tmp"},
                    start_new_session=True, preexec_fn=_enter(self.root, f"{inside}/tmp", uid, join_fds),
                )
            finally:
                for fd in join_fds:
                    os.close(fd)
        except BaseException:
            _kill_uid(uid)
            if group is not None:
                group.remove(0)
            _remove_box(box)
            os.close(lock)
            raise
        self._live[process.pid] = (uid, lock, box, group)
        return process

    def terminate(self, process: subprocess.Popen) -> None:
        """Kill every process of the sandbox, reap its first one, and remove its files, uid lock and cgroup."""
        uid, lock, box, group = self._live.pop(process.pid)
        if group is not None:
            group.kill_all()
        _kill_uid(uid)
        process.wait()
        _wait_until_gone(uid)
        if group is not None:
            group.remove()
        _remove_box(box)
        os.close(lock)

    def out_of_memory(self, process: subprocess.Popen) -> bool:
        group = self._live.get(process.pid, (None, None, None, None))[3]
        return group is not None and group.out_of_memory()


def _enter(root: Path, workdir: str, uid: int, join_fds: list[int]):
    """The preexec_fn: join the cgroup, chroot, drop every privilege; all before exec."""
    join = join_cgroup(join_fds)
    libc = ctypes.CDLL(None)

    def enter() -> None:
        join()
        os.chroot(root)
        os.chdir(workdir)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it: die with the grader
    return enter


def _mount_tmpfs(path: Path, uid: int) -> None:
    options = f"size={TMP_BYTES},nr_inodes={TMP_INODES},mode=0700,uid={uid},gid={uid}"
    if _LIBC.mount(b"tmpfs", os.fsencode(path), b"tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, options.encode()) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"cannot mount the sandbox's tmpfs on {path}: {os.strerror(code)}")


def _tmpfs_allowed(box_dir: Path) -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN; Docker's default profile forbids it)."""
    trial = box_dir / f".trial-{os.getpid()}"
    trial.mkdir(exist_ok=True)
    try:
        _mount_tmpfs(trial, 0)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EACCES):
            raise SandboxUnavailable(f"mounting a tmpfs failed unexpectedly ({error})") from None
        return False
    else:
        _LIBC.umount2(os.fsencode(trial), _MNT_DETACH)
        return True
    finally:
        trial.rmdir()


def _remove_box(box: Path) -> None:
    """Unmount the box's tmpfs (a crashed grader's too) and remove the box."""
    _LIBC.umount2(os.fsencode(box / "tmp"), _MNT_DETACH)  # EINVAL when nothing is mounted there: fine
    shutil.rmtree(box, ignore_errors=True)


def _sandbox_cgroup(limits) -> cgroups.Cgroup | None:
    if cgroups.unavailable_reason() is not None:
        return None
    try:
        return cgroups.create(memory_bytes=limits.memory_bytes, processes=limits.processes)
    except cgroups.CgroupUnavailable:
        return None


def _claim_uid() -> tuple[int, int]:
    """A uid no other live sandbox holds on this machine, and the locked descriptor that holds it.

    A uid whose killed processes are not yet reaped is passed over: they would still count against
    the next sandbox's RLIMIT_NPROC.
    """
    busy = _uids_in_use()
    for uid in UID_RANGE:
        if uid in busy:
            continue
        fd = os.open(LOCK_DIR / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise SandboxUnavailable(f"all {len(UID_RANGE)} sandbox uids from {UID_BASE} are in use")


def _uids_in_use() -> set[int]:
    """The uids that own a process, zombies included (a /proc/PID folder belongs to its process's uid)."""
    owners = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                owners.add(os.stat(f"/proc/{name}").st_uid)
            except OSError:
                pass
    return owners


def _wait_until_gone(uid: int, seconds: float = 5.0) -> None:
    """Kill again until no process of `uid` is left, zombies included (their new parent reaps them)."""
    deadline = time.monotonic() + seconds
    while uid in _uids_in_use() and time.monotonic() < deadline:
        _kill_uid(uid)
        time.sleep(0.01)


def _kill_uid(uid: int) -> None:
    """SIGKILL every process owned by `uid`: a helper becomes that uid and calls kill(-1)."""
    helper = os.fork()
    if helper == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(2):  # the kernel signals them all under the tasklist lock: no fork slips through
                os.kill(-1, signal.SIGKILL)  # every process this uid may signal (zombies too), except the helper
        except ProcessLookupError:
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(helper, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SandboxUnavailable(f"could not kill the processes of sandbox uid {uid}")


def unavailable_reason() -> str | None:
    """None when a trial chrooted child of a sandbox uid loads the seccomp filter and imports numpy."""
    from autograder.sandbox.session import Limits

    try:
        launcher = UidLauncher()
        process = launcher._start(Limits(), "", b"{}", stderr=subprocess.PIPE, probe=True)
    except (SandboxUnavailable, OSError) as error:
        return str(error)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stderr = b"timed out after 30 s"
    launcher.terminate(process)
    if process.returncode != 0:
        return f"a trial container-tier sandbox failed (exit {process.returncode}): {stderr.decode(errors='replace')[-500:]}"
    return None
