"""The container tier's root: a directory holding only the interpreter, its stdlib (ctypes included), the
libraries it loads, libseccomp.so.2 and the runtime's site dir, into which the child is chrooted (no mounts needed, so it works in Docker).

Built once from the sandbox runtime (hard links where the filesystem allows, else copies), in
`<runtime>/rootfs-<digest>`, one per version of the runtime, libseccomp and the scripts. Everything in it is root-owned and
read-only to others; the only writable place is each sandbox's own `/box/<id>/tmp`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from autograder.sandbox.launch import BOOT_SCRIPT, CHILD_SCRIPT
from autograder.sandbox.runtime import Runtime, missing_seccomp_message, seccomp_library

SECCOMP_LIBRARY = "/sandbox/seccomp/libseccomp.so.2"
_LDD_PATH = re.compile(r"(/\S+) \(0x")


def rootfs_for(runtime: Runtime) -> Path:
    """The current root for `runtime`, building it first if it is missing.

    Each version (runtime manifest, libseccomp, scripts) gets its own directory, `rootfs-<digest>`, so
    a rebuild never pulls the root from under a sandbox that another grader is running.
    """
    seccomp = seccomp_library(runtime.libdir)
    if seccomp is None:
        raise OSError(missing_seccomp_message())
    stamp = json.dumps({"manifest": (runtime.root / "manifest.json").read_text(),
                        "seccomp": os.path.realpath(seccomp),
                        "scripts": [BOOT_SCRIPT.read_text(), CHILD_SCRIPT.read_text()]})
    root = runtime.root / f"rootfs-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}"
    if _stamp(root) == stamp:
        return root
    with open(runtime.root / "rootfs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stamp(root) != stamp:
            staging = runtime.root / f"rootfs.building-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            _build(runtime, seccomp, staging)
            (staging / ".stamp").write_text(stamp)
            shutil.rmtree(root, ignore_errors=True)  # an incomplete one, never a current one
            staging.rename(root)
    return root


def _stamp(root: Path) -> str | None:
    try:
        return (root / ".stamp").read_text()
    except OSError:
        return None


def _build(runtime: Runtime, seccomp: Path, top: Path) -> None:
    top.mkdir(parents=True)
    _place(runtime.python, top / "usr/bin/python3")
    for directory, _, files in os.walk(runtime.stdlib):
        relative = Path(directory).relative_to(runtime.stdlib)
        if relative.parts[:1] in (("test",), ("idlelib",), ("tkinter",), ("ensurepip",)):
            continue
        for name in files:
            _place(Path(directory, name), top / str(runtime.stdlib).lstrip("/") / relative / name)
    for directory, _, files in os.walk(runtime.site):
        for name in files:
            source = Path(directory, name)
            _place(source, top / "sandbox/site" / source.relative_to(runtime.site))
    _place(seccomp, top / SECCOMP_LIBRARY.lstrip("/"))
    _place(BOOT_SCRIPT, top / "sandbox/boot.py")
    _place(CHILD_SCRIPT, top / "sandbox/child.py")
    objects = [runtime.python, seccomp, *Path(runtime.stdlib, "lib-dynload").glob("*.so"),
               *(p for p in runtime.site.rglob("*.so*") if p.is_file())]
    for link in ("lib", "lib64"):  # Debian's merged /usr: /lib -> usr/lib
        if os.path.islink(f"/{link}"):
            (top / link).symlink_to(os.readlink(f"/{link}"))
    for library in _shared_libraries(objects, runtime.site.resolve()):
        # under the real directory (so /lib -> usr/lib still finds it), by the name the loader asks for
        _place(library, top / os.path.realpath(library.parent).lstrip("/") / library.name)
    box = top / "box"
    box.mkdir()
    for directory, _, _ in os.walk(top):  # files are hard links to root-owned originals: leave their modes
        os.chmod(directory, 0o755)
    box.chmod(0o711)  # each sandbox's own dir is in here; nobody may list them


def _place(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    real = Path(os.path.realpath(source))
    try:
        os.link(real, destination)
    except OSError:
        shutil.copy2(real, destination)


def _shared_libraries(objects: list[Path], skip: Path) -> set[Path]:
    """Every shared library (and the dynamic loader) that `objects` load, as ldd resolves them, outside `skip`."""
    found: set[Path] = set()
    for start in range(0, len(objects), 100):
        batch = [str(p) for p in objects[start:start + 100]]
        output = subprocess.run(["ldd", *batch], capture_output=True, text=True).stdout
        for match in _LDD_PATH.finditer(output):
            path = Path(match.group(1))
            if path.exists() and skip not in path.resolve().parents:
                found.add(path)
    return found
