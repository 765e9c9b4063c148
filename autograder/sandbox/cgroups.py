"""One memory cap and one process cap for a whole sandbox: a cgroup pair made for it and removed after it.

cgroup v1 (`memory` and `pids` controllers under /sys/fs/cgroup/<controller>/) is used where it is
mounted and writable; otherwise cgroup2 where this process's cgroup already delegates `memory`
and `pids`. The sandbox joins before anything in it runs: the launcher opens each `cgroup.procs`
here, and the forked child writes "0" (itself) into it before exec, so every process the sandbox
ever starts, and every page of tmpfs it fills, is counted against the one cap. (bubblewrap's
processes are moved in by pid while bwrap waits on `--block-fd`, before it runs anything.)

AUTOGRADER_CGROUP_BACKEND forces one backend: `v1`, `cgroup2`, or `auto` (the default, v1 first).
As root, where this process sits in the cgroup2 root and the hierarchy has `memory` and `pids`,
the delegation to `autograder-sandboxes/` is set up here.
"""

from __future__ import annotations

import errno
import functools
import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP_DIR = "autograder-sandboxes"
BACKEND_ENV = "AUTOGRADER_CGROUP_BACKEND"
BACKENDS = ("auto", "v1", "cgroup2")
_counter = itertools.count()


class CgroupUnavailable(OSError):
    """No writable cgroup hierarchy with memory and pids limits exists here."""


@dataclass(frozen=True)
class Cgroup:
    """The directories of one sandbox's cgroups (one per controller, or one cgroup2 dir)."""

    directories: tuple[Path, ...]

    def open_procs(self) -> list[int]:
        """Write-only descriptors on each `cgroup.procs`; the child writes b"0" to them to join."""
        return [os.open(directory / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for directory in self.directories]

    def add(self, *pids: int) -> None:
        """Move running processes in (their later children follow them)."""
        for directory in self.directories:
            for pid in pids:
                (directory / "cgroup.procs").write_text(str(pid))

    def members(self) -> set[int]:
        found: set[int] = set()
        for directory in self.directories:
            try:
                found.update(int(line) for line in (directory / "cgroup.procs").read_text().split())
            except OSError:
                continue
        return found

    def out_of_memory(self) -> bool:
        """Whether the memory cap was hit (the kernel then kills a process of the sandbox)."""
        for directory in self.directories:
            for name, marker in (("memory.failcnt", None), ("memory.events", "oom_kill")):
                try:
                    text = (directory / name).read_text()
                except OSError:
                    continue
                if marker is None and text.strip() not in ("", "0"):
                    return True
                if marker and any(line.split()[:1] == [marker] and line.split()[1] != "0"
                                  for line in text.splitlines() if len(line.split()) == 2):
                    return True
        return False

    def kill_all(self) -> None:
        """SIGKILL every member until none is left (the pids cap bounds how many can be forked meanwhile)."""
        for _ in range(1000):
            if not self.kill_members():
                return
            time.sleep(0.001)

    def kill_members(self) -> bool:
        """SIGKILL every process in the cgroup now, without waiting for any to exit; False if there was none."""
        members = self.members()
        for pid in members:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        return bool(members)

    def remove(self, wait_seconds: float = 2.0) -> bool:
        """Remove the directories once their last process is gone; False if some remain busy."""
        deadline = time.monotonic() + wait_seconds
        remaining = list(self.directories)
        while remaining:
            for directory in list(remaining):
                try:
                    directory.rmdir()
                    remaining.remove(directory)
                except FileNotFoundError:
                    remaining.remove(directory)
                except OSError as error:
                    if error.errno != errno.EBUSY:
                        remaining.remove(directory)
            if remaining:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.005)
        return True


def _own_paths() -> dict[str, str]:
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _v1_bases() -> list[Path] | None:
    own = _own_paths()
    bases = []
    for controller in ("memory", "pids"):
        mount = CGROUP_ROOT / controller
        if controller not in own or not (mount / "cgroup.procs").exists():
            return None
        bases.append(mount / own[controller].lstrip("/") / GROUP_DIR)
    return bases


def backend() -> str:
    chosen = os.environ.get(BACKEND_ENV) or "auto"
    if chosen not in BACKENDS:
        raise CgroupUnavailable(f"{BACKEND_ENV}={chosen!r} is not one of {', '.join(BACKENDS)}")
    return chosen


def cgroup2_mount() -> Path | None:
    """Where the cgroup2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems)."""
    for mount in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if (mount / "cgroup.controllers").exists():
            return mount
    return None


def _v2_base() -> Path | None:
    own, mount = _own_paths().get(""), cgroup2_mount()
    if own is None or mount is None:
        return None
    base = mount / own.lstrip("/") / GROUP_DIR
    if own == "/" and os.geteuid() == 0 and not base.exists():
        _delegate(mount, base)
    try:
        delegated = (base / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    return base if {"memory", "pids"} <= set(delegated) else None


def _delegate(mount: Path, base: Path) -> None:
    """Enable memory and pids below the cgroup2 root and in `base` (the no-internal-process rule allows it there)."""
    try:
        if not {"memory", "pids"} <= set((mount / "cgroup.controllers").read_text().split()):
            return  # bound to cgroup v1 on this machine
        (mount / "cgroup.subtree_control").write_text("+memory +pids")
        base.mkdir(exist_ok=True)
        (base / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError:
        return


def _sweep(bases: list[Path]) -> None:
    """Remove empty sandbox cgroups whose grader process is gone (it was SIGKILLed before it could)."""
    for base in bases:
        try:
            names = [entry.name for entry in base.iterdir() if entry.name.startswith("sandbox-")]
        except OSError:
            continue
        for name in names:
            owner = name.split("-")[1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                try:
                    (base / name).rmdir()
                except OSError:
                    pass


_swept: set[Path] = set()


def create(*, memory_bytes: int, processes: int) -> Cgroup:
    """A fresh cgroup capped at `memory_bytes` (no swap) and `processes` tasks; raises CgroupUnavailable."""
    name = f"sandbox-{os.getpid()}-{next(_counter)}"
    bases = _v1_bases() if backend() != "cgroup2" else None
    sweep = bases if bases is not None else [b for b in [_v2_base()] if b is not None and backend() != "v1"]
    if sweep and sweep[0] not in _swept:  # once per process
        _swept.add(sweep[0])
        _sweep(sweep)
    try:
        if bases is not None:
            memory, pids = (base / name for base in bases)
            for directory in (memory, pids):
                directory.mkdir(parents=True)
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            if (memory / "memory.memsw.limit_in_bytes").exists():
                (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            (pids / "pids.max").write_text(str(processes))
            return Cgroup((memory, pids))
        base = _v2_base() if backend() != "v1" else None
        if base is None:
            raise CgroupUnavailable({"auto": "no cgroup v1 memory+pids controllers and no cgroup2 delegation of memory+pids",
                                     "v1": "no writable cgroup v1 memory+pids controllers",
                                     "cgroup2": "no cgroup2 delegation of memory+pids"}[backend()])
        directory = base / name
        directory.mkdir()
        (directory / "memory.max").write_text(str(memory_bytes))
        if (directory / "memory.swap.max").exists():
            (directory / "memory.swap.max").write_text("0")
        (directory / "pids.max").write_text(str(processes))
        return Cgroup((directory,))
    except CgroupUnavailable:
        raise
    except OSError as error:
        raise CgroupUnavailable(f"cannot create a sandbox cgroup ({error})") from None


def unavailable_reason() -> str | None:
    """None when a capped cgroup of the chosen backend can be made here (probed once per process and backend)."""
    try:
        return _probe(backend())
    except CgroupUnavailable as error:
        return str(error)


@functools.lru_cache(maxsize=None)
def _probe(chosen: str) -> str | None:
    try:
        trial = create(memory_bytes=64 * 2**20, processes=4)
    except CgroupUnavailable as error:
        return str(error)
    trial.remove()
    return None
