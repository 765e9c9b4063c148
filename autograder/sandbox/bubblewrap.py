"""The bubblewrap launcher: private namespaces, a read-only filesystem holding only what the child needs.

How one sandbox is built (see docs/SANDBOX.md):

- Identity. As root, bwrap is started as a dedicated unprivileged uid/gid (SANDBOX_UID, no
  supplementary groups), so bwrap creates an unprivileged user namespace and the child has no
  capabilities and no root-owned files to lean on. As a normal user, bwrap runs as that user.
- Namespaces: user (nested ones disabled), pid, net (loopback only, nothing listening), ipc, uts,
  cgroup; `--new-session`, `--die-with-parent`, `--clearenv` plus CHILD_ENV only.
- Filesystem: an empty read-only root holding the system interpreter, its stdlib, the multiarch
  shared-library dir, the runtime's site dir (numpy, scipy), boot.py and child.py (copied in through
  pipes, so the repo needs no permissions) and the submission's JSON; a private /dev, a private /proc
  of the sandbox's pid namespace, and a size-capped tmpfs /tmp. Nothing else of the host exists there:
  not the repo, the graders, the reference, the course secret or the gradebook.
- Limits: boot.py sets every rlimit (address space, CPU, file size, open files, processes, core = 0)
  inside the user namespace before any student code runs. The kernel counts RLIMIT_NPROC per user
  namespace, so it binds the sandbox (even when the grader is root) and parallel sandboxes, which
  share the uid, never count against each other.
- Killing: `--info-fd` gives the pid of the sandbox's init; `terminate` SIGKILLs it through a pidfd
  (no pid-reuse race), so the kernel kills every process in the pid namespace, daemons included;
  then bwrap is reaped. The grader is made a child subreaper, so an init orphaned by a dead bwrap is
  re-parented to us and reaped through the same pidfd: no process or zombie is ever left behind.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.sandbox.launch import CHILD_ENV, CHILD_SCRIPT
from autograder.sandbox.runtime import Runtime, load_runtime

SANDBOX_UID = int(os.environ.get("AUTOGRADER_SANDBOX_UID", "64999"))
TMP_BYTES = 32 * 2**20
BOOT_SCRIPT = Path(__file__).with_name("boot.py")
START_SECONDS = 10.0
_PR_SET_CHILD_SUBREAPER = 36


class BubblewrapLauncher:
    """Starts each child inside a fresh bubblewrap sandbox and kills it by killing the sandbox's init."""

    isolation = "bubblewrap"

    def __init__(self, runtime: Runtime | None = None):
        runtime = runtime or load_runtime()
        bwrap = shutil.which("bwrap")
        if runtime is None or bwrap is None:
            raise SandboxUnavailable(
                "bubblewrap is not installed" if bwrap is None else
                "the sandbox runtime is not built: run `python -m autograder.sandbox.runtime`"
            )
        self.runtime = runtime
        self.bwrap = bwrap
        self.uid = SANDBOX_UID if os.geteuid() == 0 else None
        self._sources = {"/sandbox/boot.py": BOOT_SCRIPT.read_bytes(), "/sandbox/child.py": CHILD_SCRIPT.read_bytes()}
        self._inits: dict[int, int] = {}  # bwrap pid -> pidfd of the sandbox's init
        _become_subreaper()

    def command(self, *, info_fd: int, data_fds: dict[str, int], submission_file: Path | None) -> list[str]:
        """The bwrap argv up to (not including) the sandboxed command."""
        rt = self.runtime
        argv = [self.bwrap, "--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-net",
                "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
                "--die-with-parent", "--new-session", "--clearenv"]
        for key, value in {**CHILD_ENV, "HOME": "/tmp", "TMPDIR": "/tmp"}.items():
            argv += ["--setenv", key, value]
        argv += ["--ro-bind", str(rt.python), "/usr/bin/python3",
                 "--ro-bind", str(rt.stdlib), str(rt.stdlib),
                 "--ro-bind", str(rt.libdir), str(rt.libdir)]
        for top in ("/lib", "/lib64"):
            if os.path.islink(top):
                argv += ["--symlink", os.readlink(top), top]
            elif top == "/lib64" and os.path.isdir(top):
                argv += ["--ro-bind", top, top]
            elif os.path.isdir(Path(top, rt.libdir.name)) and Path(top, rt.libdir.name).resolve() != rt.libdir:
                argv += ["--ro-bind", str(Path(top, rt.libdir.name)), str(Path(top, rt.libdir.name))]
        if os.path.isdir("/usr/lib64") and not os.path.islink("/usr/lib64"):
            argv += ["--ro-bind", "/usr/lib64", "/usr/lib64"]
        argv += ["--ro-bind", str(rt.site), "/sandbox/site"]
        for destination, fd in data_fds.items():
            argv += ["--perms", "0444", "--ro-bind-data", str(fd), destination]
        if submission_file is not None:
            argv += ["--ro-bind", str(submission_file), "/sandbox/submission.json"]
        argv += ["--dev", "/dev", "--proc", "/proc", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
                 "--remount-ro", "/", "--chdir", "/tmp", "--info-fd", str(info_fd)]
        return argv

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen:
        boot_limits = json.dumps({
            "memory_bytes": limits.memory_bytes, "cpu_seconds": limits.cpu_seconds,
            "file_bytes": limits.file_bytes, "open_files": limits.open_files,
            "processes": limits.processes, "core_bytes": 0,
        })
        tail = ["/usr/bin/python3", "-I", "-S", "/sandbox/boot.py", boot_limits, "/sandbox/child.py",
                str(read_fd), str(write_fd), "/sandbox/submission.json", "/sandbox/site"]
        return self._start(submission_file, tail, keep_fds=(read_fd, write_fd))

    def _start(self, submission_file: Path | None, tail: list[str], keep_fds=(),
               stderr=subprocess.DEVNULL) -> subprocess.Popen:
        info_read, info_write = os.pipe()
        data_fds = {dest: _data_pipe(content) for dest, content in self._sources.items()}
        identity = {"user": self.uid, "group": self.uid, "extra_groups": []} if self.uid is not None else {}
        try:
            process = subprocess.Popen(
                self.command(info_fd=info_write, data_fds=data_fds, submission_file=submission_file) + ["--", *tail],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(*keep_fds, info_write, *data_fds.values()), cwd="/", start_new_session=True,
                env={},  # bwrap's own environ stays readable in /proc/1/environ: give it none
                **identity,
            )
        finally:
            for fd in (info_write, *data_fds.values()):
                os.close(fd)
        try:
            init_pid = _read_init_pid(info_read, time.monotonic() + START_SECONDS)
            pidfd = os.pidfd_open(init_pid)
        except (OSError, ValueError, KeyError) as error:
            process.kill()
            process.wait()
            raise SandboxUnavailable(f"bubblewrap did not start the sandbox ({error})") from None
        finally:
            os.close(info_read)
        self._inits[process.pid] = pidfd
        return process

    def terminate(self, process: subprocess.Popen) -> None:
        """SIGKILL the sandbox's init (the kernel then kills its whole pid namespace), reap bwrap and init."""
        pidfd = self._inits.pop(process.pid, None)
        if pidfd is not None:
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if pidfd is not None:
            try:  # only succeeds when bwrap died first and the init was re-parented to us
                os.waitid(os.P_PIDFD, pidfd, os.WEXITED)
            except ChildProcessError:
                pass
            os.close(pidfd)


def _data_pipe(content: bytes) -> int:
    """A pipe already holding `content` (bwrap copies it into the sandbox); returns the read end."""
    read_end, write_end = os.pipe()
    try:
        if len(content) >= 65536:
            raise SandboxUnavailable("a sandbox script is larger than a pipe buffer")
        os.write(write_end, content)
    finally:
        os.close(write_end)
    return read_end


def _read_init_pid(fd: int, deadline: float) -> int:
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OSError("timed out waiting for bubblewrap's --info-fd")
        ready, _, _ = select.select([fd], [], [], remaining)
        chunk = os.read(fd, 4096) if ready else b""
        if ready and not chunk:
            raise ValueError(f"bubblewrap exited before reporting its init pid {data[:200]!r}")
        data += chunk
        try:
            return int(json.loads(data)["child-pid"])
        except ValueError:
            continue


def _become_subreaper() -> None:
    """Make orphans of our children (an init whose bwrap died) re-parent to us, so that we reap them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Probe once per process: None when a real sandbox starts and imports numpy, else why not."""
    try:
        launcher = BubblewrapLauncher()
        process = launcher._start(None, ["/usr/bin/python3", "-I", "-S", "-c",
                                         "import sys; sys.path.insert(0, '/sandbox/site'); import numpy"],
                                  stderr=subprocess.PIPE)
    except SandboxUnavailable as error:
        return str(error)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        launcher.terminate(process)
        return "a trial sandbox did not finish importing numpy within 30 s"
    launcher.terminate(process)
    if process.returncode != 0:
        return f"a trial sandbox failed (exit {process.returncode}): {stderr.decode(errors='replace')[-500:]}"
    return None
