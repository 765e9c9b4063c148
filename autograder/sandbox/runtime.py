"""Build and locate the sandbox runtime: the distribution's python3 plus a world-readable site dir with numpy and scipy.

The grader's own interpreter is a pyenv build under /root (mode 700), which the unprivileged sandbox
uid cannot execute. The sandbox therefore runs the system interpreter of the grader's minor version
(`/usr/bin/python3.<minor>` where the distribution ships it beside its default, as Ubuntu 22.04's
python3.11 from universe; else `/usr/bin/python3`), so the same cp3XX wheels load, and imports
numpy/scipy from `<runtime>/site`, installed with the grader's pip via `pip install --target`,
pinned to the versions in requirements.lock. The seccomp filter needs only libseccomp's C library
(`libseccomp.so.2`, Debian/Ubuntu package libseccomp2), which boot.py loads with ctypes. Build it with

    python -m autograder.sandbox.runtime          # idempotent; --force rebuilds; as root, also the
                                                  # container tier's chroot (rootfs.py)

The runtime lives in /var/lib/autograder/sandbox-runtime, a neutral path that names neither the
venv nor the course (the sandbox's mount table shows a bind's source path), whenever this user can
create it; otherwise in `<venv>/sandbox-runtime`. AUTOGRADER_SANDBOX_RUNTIME overrides both.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

SYSTEM_PYTHON = Path("/usr/bin/python3")
LIBSECCOMP = "libseccomp.so.2"
PACKAGES = ("numpy", "scipy")
FALLBACK_DIR = Path("/var/lib/autograder/sandbox-runtime")
LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"
_PROBE = (
    "import json, sys, sysconfig; print(json.dumps({'version': list(sys.version_info[:2]), "
    "'stdlib': sysconfig.get_paths()['stdlib'], 'multiarch': sysconfig.get_config_var('MULTIARCH') or ''}))"
)


@dataclass(frozen=True)
class Runtime:
    """Where the sandbox's interpreter, stdlib, shared libraries and site dir live on the host."""

    root: Path
    python: Path  # the real interpreter file, bound as /usr/bin/python3
    stdlib: Path
    libdir: Path  # the multiarch shared-library directory, e.g. /usr/lib/x86_64-linux-gnu
    site: Path
    packages: dict


def runtime_dir() -> Path:
    override = os.environ.get("AUTOGRADER_SANDBOX_RUNTIME")
    if override:
        return Path(override)
    if _creatable(FALLBACK_DIR):
        return FALLBACK_DIR  # a neutral path: the sandbox's mount table must not name the venv or the course
    return Path(sys.prefix) / "sandbox-runtime"


def _creatable(path: Path) -> bool:
    existing = next(p for p in [path, *path.parents] if p.exists())
    return os.access(existing, os.W_OK) and _traversable_by_others(existing)


def _traversable_by_others(path: Path) -> bool:
    path = path.resolve()
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents])


def pinned_versions() -> dict[str, str]:
    """The numpy/scipy versions of requirements.lock, else those installed in the grader's environment."""
    pins = {}
    if LOCK_FILE.exists():
        for line in LOCK_FILE.read_text().splitlines():
            name, _, version = line.partition("==")
            if name.strip().lower() in PACKAGES:
                pins[name.strip().lower()] = version.strip()
    for name in PACKAGES:
        pins.setdefault(name, metadata.version(name))
    return pins


def system_python(bin_dir: Path = SYSTEM_PYTHON.parent) -> Path:
    """The distribution's interpreter of the grader's minor version: python3.<minor> if present, else python3."""
    versioned = bin_dir / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return versioned if versioned.exists() else bin_dir / "python3"


def describe_system_python(python: Path | None = None) -> dict:
    python = python or system_python()
    grader = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not python.exists():
        raise RuntimeError(f"neither /usr/bin/python{grader} nor /usr/bin/python3 exists: install the "
                           f"distribution's python{grader} (apt-get install python{grader})")
    facts = json.loads(subprocess.run([str(python), "-I", "-S", "-c", _PROBE], check=True,
                                      capture_output=True, text=True).stdout)
    if tuple(facts["version"]) != sys.version_info[:2]:
        raise RuntimeError(
            f"{python} is Python {'.'.join(map(str, facts['version']))} and there is no /usr/bin/python{grader}, "
            f"but the grader runs {grader}; the sandbox needs the same minor version "
            f"(apt-get install python{grader}, from Ubuntu's universe archive on 22.04)"
        )
    return facts


def build_runtime(target: Path | None = None, *, force: bool = False) -> Runtime:
    """Install pinned numpy/scipy for the system python into `target`; a no-op when already current."""
    root = Path(target or runtime_dir())
    python = system_python()
    facts = describe_system_python(python)
    manifest = {
        "python": str(python.resolve()),
        "stdlib": facts["stdlib"],
        "libdir": str(Path("/usr/lib", facts["multiarch"]).resolve()),
        "packages": pinned_versions(),
        "version": facts["version"],
    }
    current = root / "manifest.json"
    if not force and current.exists() and json.loads(current.read_text()) == manifest and (root / "site").is_dir():
        return load_runtime(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f"site.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary=:all:", "--target", str(staging),
         *(f"{name}=={version}" for name, version in manifest["packages"].items())],
        check=True,
    )
    _make_world_readable(staging)
    shutil.rmtree(root / "site", ignore_errors=True)
    staging.rename(root / "site")
    current.write_text(json.dumps(manifest, indent=2))
    _make_world_readable(root)
    return load_runtime(root)


def _make_world_readable(top: Path) -> None:
    for directory, _, files in os.walk(top):
        os.chmod(directory, 0o755)
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)


@functools.lru_cache(maxsize=None)
def seccomp_library(libdir: Path | None = None) -> Path | None:
    """libseccomp's C library (libseccomp.so.2, package libseccomp2) if it loads and has the filter API, else None."""
    import ctypes
    import sysconfig

    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    candidates = [libdir, Path("/usr/lib", multiarch), Path("/lib", multiarch), Path("/usr/lib64"), Path("/lib64"),
                  Path("/usr/lib")]
    for directory in (d for d in candidates if d is not None):
        path = directory / LIBSECCOMP
        if not path.is_file():
            continue
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        if all(hasattr(library, name) for name in ("seccomp_init", "seccomp_syscall_resolve_name",
                                                   "seccomp_rule_add_array", "seccomp_load", "seccomp_release")):
            return path
    return None


def missing_seccomp_message() -> str:
    return f"libseccomp's C library ({LIBSECCOMP}, Debian/Ubuntu package libseccomp2) is missing"


def load_runtime(root: Path | None = None) -> Runtime | None:
    """The built runtime, or None when it has not been built (or is incomplete)."""
    root = Path(root or runtime_dir())
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    runtime = Runtime(root, Path(manifest["python"]), Path(manifest["stdlib"]), Path(manifest["libdir"]),
                      root / "site", manifest["packages"])
    if not all(p.exists() for p in (runtime.python, runtime.stdlib, runtime.libdir, runtime.site / "numpy")):
        return None
    return runtime


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        runtime = build_runtime(force="--force" in argv)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"sandbox runtime: build failed: {error}", file=sys.stderr)
        return 1
    versions = ", ".join(f"{k} {v}" for k, v in runtime.packages.items())
    print(f"sandbox runtime: {runtime.root} ({runtime.python}, {versions})")
    if os.geteuid() == 0 and seccomp_library(runtime.libdir) is not None:  # the container tier's chroot, ahead of use
        from autograder.sandbox.rootfs import rootfs_for

        print(f"container tier root: {rootfs_for(runtime)}")
    elif seccomp_library(runtime.libdir) is None:
        print(f"warning: {missing_seccomp_message()}: no sandbox tier can start (scripts/install-system-deps)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
