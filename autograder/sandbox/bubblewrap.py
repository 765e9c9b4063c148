"""The bubblewrap launcher: private namespaces, a read-only filesystem holding only what the child needs.

How one sandbox is built (see docs/SANDBOX.md):

- Identity. As root, bwrap is started as a dedicated unprivileged uid/gid (SANDBOX_UID, no
  supplementary groups), so bwrap creates an unprivileged user namespace and the child has no
  capabilities and no root-owned files to lean on. As a normal user, bwrap runs as that user.
- Namespaces: user, pid, net (loopback only, nothing listening), ipc, uts,
  cgroup; `--new-session`, `--die-with-parent`, `--clearenv` plus CHILD_ENV only. Nested user
  namespaces are refused by the seccomp filter (clone with CLONE_NEWUSER, unshare, clone3), and
  also by `--disable-userns` where this bubblewrap has it (0.8 and later).
- Filesystem: an empty read-only root holding the system interpreter, its stdlib, the multiarch
  shared-library dir, the runtime's site dir (numpy, scipy) and libseccomp.so.2 at neutral
  paths; boot.py, child.py and the submission's JSON are copied in from descriptors, so no bind
  names the scratch dir or the venv; a private /dev with a tmpfs /dev/shm, a private /proc of the
  sandbox's pid namespace, and a tmpfs /tmp. Both tmpfs are size-capped with `--size` (bubblewrap
  0.7 and later) and always counted in the sandbox's memory cgroup; a bubblewrap without `--size`
  (Ubuntu 22.04's 0.6.1) is used only where that cgroup can be made. Nothing else of the host
  exists there: not the repo, the graders, the reference, the course secret or the gradebook.
- Limits: a fresh cgroup (cgroups.py) caps the memory and the processes of the whole sandbox,
  tmpfs pages included; without one, the sandbox may not fork at all, so the per-process address
  space limit bounds it. boot.py sets every rlimit (address space, CPU, file size, open files,
  processes, core = 0) and loads the seccomp filter before any student code runs.
- Killing: `--info-fd` gives the pid of the sandbox's init; `terminate` SIGKILLs it through a pidfd
  (no pid-reuse race), so the kernel kills every process in the pid namespace, daemons included;
  then bwrap is reaped. `--die-with-parent` makes the init die with bwrap, and an init orphaned by
  a dead bwrap is killed through the same pidfd and reaped by the system's init. The grader is no
  subreaper: unrelated orphans never become its zombies.
"""

from __future__ import annotations

import functools
import json
import os
import re
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder.errors import SandboxUnavailable
from autograder.sandbox import cgroups
from autograder.sandbox.launch import BOOT_SCRIPT, CHILD_ENV, CHILD_SCRIPT, PROBE_SOURCE, boot_limits
from autograder.sandbox.runtime import Runtime, load_runtime, missing_seccomp_message, seccomp_library

SANDBOX_UID = int(os.environ.get("AUTOGRADER_SANDBOX_UID", "64999"))
TMP_BYTES = 32 * 2**20
SHM_BYTES = 32 * 2**20
START_SECONDS = 10.0
SECCOMP_LIBRARY = "/sandbox/seccomp/libseccomp.so.2"
OPTIONAL_FLAGS = ("--disable-userns", "--size")  # newer than Ubuntu 22.04's bubblewrap 0.6.1: used when listed


@functools.lru_cache(maxsize=None)
def bwrap_options(bwrap: str) -> frozenset[str]:
    """The options this bubblewrap lists in `bwrap --help` (so features are probed, never assumed)."""
    try:
        shown = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30, env={})
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(re.findall(r"^\s*(--[a-z0-9-]+)", shown.stdout + shown.stderr, re.MULTILINE))


class BubblewrapLauncher:
    """Starts each child inside a fresh bubblewrap sandbox and kills it by killing the sandbox's init."""

    isolation = "bubblewrap"
    start_mode = "fresh"  # a new sandbox per submission (prefork.py forks them from a zygote instead)

    def __init__(self, runtime: Runtime | None = None):
        runtime = runtime or load_runtime()
        bwrap = shutil.which(os.environ.get("AUTOGRADER_BWRAP", "bwrap"))
        seccomp = seccomp_library(runtime.libdir) if runtime is not None else None
        if runtime is None or bwrap is None or seccomp is None:
            raise SandboxUnavailable(
                "bubblewrap is not installed (Debian package `bubblewrap`)" if bwrap is None else
                "the sandbox runtime is not built: run `python -m autograder.sandbox.runtime`" if runtime is None
                else missing_seccomp_message()
            )
        self.runtime = runtime
        self.bwrap = bwrap
        self.seccomp = seccomp
        self.options = bwrap_options(bwrap)
        if "--ro-bind-data" not in self.options or "--info-fd" not in self.options:
            raise SandboxUnavailable(f"{bwrap} is too old for the sandbox (it lacks --ro-bind-data or --info-fd)")
        self.uid = SANDBOX_UID if os.geteuid() == 0 else None
        self._sources = {"/sandbox/boot.py": BOOT_SCRIPT.read_bytes(), "/sandbox/child.py": CHILD_SCRIPT.read_bytes()}
        self._inits: dict[int, tuple[int, cgroups.Cgroup | None]] = {}  # bwrap pid -> (init pidfd, cgroup)

    def command(self, *, info_fd: int, data_fds: dict[str, int], zygote: bool = False) -> list[str]:
        """The bwrap argv up to (not including) the sandboxed command.

        `zygote`: the pre-forked sandbox (prefork.py), which must create one user namespace per child,
        so nested user namespaces stay allowed there (its children's seccomp filter denies them) and
        /dev is read-only.
        """
        rt = self.runtime
        userns = [] if zygote else self._optional("--disable-userns")  # the zygote makes one per child
        argv = [self.bwrap, "--unshare-user", *userns, "--unshare-pid", "--unshare-net",
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
        argv += ["--ro-bind", str(rt.site), "/sandbox/site",
                 "--ro-bind", str(self.seccomp), SECCOMP_LIBRARY]
        for destination, fd in data_fds.items():
            argv += ["--perms", "0444", "--ro-bind-data", str(fd), destination]
        argv += ["--dev", "/dev", *self._optional("--size", str(SHM_BYTES)), "--tmpfs", "/dev/shm", "--proc", "/proc",
                 *self._optional("--size", str(TMP_BYTES)), "--tmpfs", "/tmp",
                 "--remount-ro", "/", *(["--remount-ro", "/dev"] if zygote else []), "--chdir", "/tmp",
                 "--info-fd", str(info_fd)]
        return argv

    def _optional(self, flag: str, *values: str) -> list[str]:
        return [flag, *values] if flag in self.options else []

    def spawn(self, *, submission_file: Path, read_fd: int, write_fd: int, limits) -> subprocess.Popen:
        return self._start(limits, "/sandbox/child.py", [str(read_fd), str(write_fd), "/sandbox/submission.json",
                                                          "/sandbox/site"],
                           keep_fds=(read_fd, write_fd), submission_file=submission_file)

    def _start(self, limits, script: str, script_args: list[str], *, keep_fds=(), submission_file: Path | None = None,
               extra_sources: dict[str, bytes] | None = None, stderr=subprocess.DEVNULL,
               zygote: bool = False) -> subprocess.Popen:
        """Start bwrap running `script` under boot.py; or, with `zygote`, running it bare (prefork.py)."""
        group = _sandbox_cgroup(limits)
        if group is None and "--size" not in self.options:
            raise SandboxUnavailable(
                f"{self.bwrap} has no --size (bubblewrap < 0.7), so only a memory cgroup could cap its tmpfs "
                f"/tmp and /dev/shm, and none can be made here ({cgroups.unavailable_reason()})")
        processes = limits.processes if group is not None else 2  # no cgroup: no fork (init + python only)
        if zygote:
            tail = ["/usr/bin/python3", "-I", "-S", script, *script_args]
        else:
            tail = ["/usr/bin/python3", "-I", "-S", "/sandbox/boot.py",
                    boot_limits(limits, seccomp_library=SECCOMP_LIBRARY, processes=processes), script, *script_args]
        info_read, info_write = os.pipe()
        data_fds = {dest: _data_pipe(content) for dest, content in {**self._sources, **(extra_sources or {})}.items()}
        if submission_file is not None:
            data_fds["/sandbox/submission.json"] = os.open(submission_file, os.O_RDONLY | os.O_CLOEXEC)
        block_read, block_write = os.pipe() if group is not None else (None, None)
        block = ["--block-fd", str(block_read)] if group is not None else []
        identity = {"user": self.uid, "group": self.uid, "extra_groups": []} if self.uid is not None else {}
        try:
            process = subprocess.Popen(
                self.command(info_fd=info_write, data_fds=data_fds, zygote=zygote) + block + ["--", *tail],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(*keep_fds, info_write, *data_fds.values(), *([block_read] if block else [])), cwd="/",
                start_new_session=True,
                env={},  # bwrap's own environ stays readable in /proc/1/environ: give it none
                **identity,
            )
        except BaseException:
            if group is not None:
                os.close(block_write)
                group.remove(0)
            raise
        finally:
            for fd in (info_write, *data_fds.values(), *([block_read] if block else [])):
                os.close(fd)
        try:
            init_pid = _read_init_pid(info_read, time.monotonic() + START_SECONDS)
            pidfd = os.pidfd_open(init_pid)
            if group is not None:  # bwrap waits on --block-fd until both of its processes are in the cgroup
                group.add(process.pid, init_pid)
                os.write(block_write, b"1")
        except (OSError, ValueError, KeyError) as error:
            process.kill()
            process.wait()
            if group is not None:
                group.kill_all()
                group.remove()
            raise SandboxUnavailable(f"bubblewrap did not start the sandbox ({error})") from None
        finally:
            os.close(info_read)
            if block_write is not None:
                os.close(block_write)
        self._inits[process.pid] = (pidfd, group)
        return process

    def terminate(self, process: subprocess.Popen) -> None:
        """SIGKILL the sandbox's init (the kernel then kills its whole pid namespace), reap bwrap and init."""
        pidfd, group = self._inits.pop(process.pid, (None, None))
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
            select.select([pidfd], [], [], 5)  # readable once the init (and so its namespace) has exited
            os.close(pidfd)
        if group is not None:
            group.kill_all()  # normally empty already
            group.remove()

    def out_of_memory(self, process: subprocess.Popen) -> bool:
        group = self._inits.get(process.pid, (None, None))[1]
        return group is not None and group.out_of_memory()


def _sandbox_cgroup(limits) -> cgroups.Cgroup | None:
    """The sandbox's own memory + pids cgroup, or None where none can be made (then it may not fork)."""
    if cgroups.unavailable_reason() is not None:
        return None
    try:
        # bwrap, its init and python come on top of the student's processes
        return cgroups.create(memory_bytes=limits.memory_bytes, processes=limits.processes + 2)
    except cgroups.CgroupUnavailable:
        return None


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


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Probe once per process: None when a real sandbox starts and imports numpy, else why not."""
    from autograder.sandbox.session import Limits

    try:
        launcher = BubblewrapLauncher()
        process = launcher._start(Limits(), "/sandbox/probe.py", [], extra_sources={"/sandbox/probe.py": PROBE_SOURCE},
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
