"""The Gradescope bundle's setup.sh, run for real in a clean Debian root with no network, then run_autograder.

The root is Debian bookworm (python 3.11, like the Ubuntu images with python3.11) built by debootstrap
from Debian packages only, and cached between runs (AUTOGRADER_TEST_CACHE, default
~/.cache/autograder-tests); each test works on a fresh copy. The bundle runs inside bubblewrap used as
a container: the copy as its root, a new network namespace with no interface (so no internet), and
pip pointed at a local wheel folder made with `pip download`. Skipped, with the reason, where
debootstrap or bubblewrap cannot run (not root, no debootstrap, no mirror); under CI=true that fails.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment
from autograder.frontends.gradescope_zip import build_gradescope_zip, reproduce

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CACHE = Path(os.environ.get("AUTOGRADER_TEST_CACHE", Path.home() / ".cache" / "autograder-tests"))
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = "python3,python3-venv,bubblewrap,libseccomp2,ca-certificates"  # setup.sh's apt list: nothing left to fetch
GRADING_LOCK = REPO / "requirements-grading.lock"
BUGGY = REPO / "examples" / "class" / "s10-jonas.ipynb"  # no max shift: loses the 3 stability points


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@contextlib.contextmanager
def cache_lock():
    """Held while the cache is checked and filled: concurrent runs (or xdist workers) build each entry once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cached_root() -> Path:
    """A minimal Debian root with setup.sh's packages, built once with debootstrap."""
    packages = hashlib.sha256(PACKAGES.encode()).hexdigest()[:8]  # a changed package list builds a new root
    root = CACHE / f"{SUITE}-{packages}-root"
    if (root / ".complete").is_file():
        return root
    if os.geteuid() != 0:
        unavailable("building a Debian root with debootstrap needs root")
    if not shutil.which("debootstrap"):
        unavailable("debootstrap is not installed (apt-get install debootstrap)")
    partial = CACHE / f"{SUITE}-{packages}-root.partial"
    shutil.rmtree(partial, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["debootstrap", "--variant=minbase", f"--include={PACKAGES}", SUITE, str(partial), MIRROR],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        unavailable(f"debootstrap {SUITE} from {MIRROR} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    (partial / ".complete").write_text("")
    partial.rename(root)
    return root


def cached_wheels() -> Path:
    """`pip download` of the grading lock, once per lock content."""
    digest = hashlib.sha256(GRADING_LOCK.read_bytes()).hexdigest()[:12]
    folder = CACHE / f"wheels-{digest}"
    if (folder / ".complete").is_file():
        return folder
    partial = Path(f"{folder}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-r",
                           str(GRADING_LOCK), "-d", str(partial)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        unavailable(f"pip download of {GRADING_LOCK.name} failed: {done.stderr[-1500:]}")
    (partial / ".complete").write_text("")
    partial.rename(folder)
    return folder


def container(root: Path, script: str, *, fresh_proc: bool = False, cgroups: bool = False) -> subprocess.CompletedProcess:
    """Run `script` with `root` as /, in new mount, pid and network namespaces (only a loopback device, down).

    With `cgroups`, the host's /sys is bound too, so the bundle can make its sandbox cgroups.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        unavailable("bubblewrap is not installed (scripts/install-system-deps)")
    # The host's /proc, not a fresh one: the bundle's own sandbox mounts a procfs in a user namespace, which
    # the kernel allows only where a fully visible procfs is mounted (bwrap's --proc masks parts of it).
    proc = ["--proc", "/proc"] if fresh_proc else ["--bind", "/proc", "/proc"]
    proc += ["--bind", "/sys", "/sys"] if cgroups else []
    command = [bwrap, "--bind", str(root), "/", "--dev-bind", "/dev", "/dev", *proc, "--tmpfs", "/tmp",
               "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
               "--cap-add", "ALL", "--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "--setenv", "HOME", "/root", "--unsetenv", "PYTHONPATH", "--unsetenv", "VIRTUAL_ENV",
               "/bin/bash", "-c", script]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AUTOGRADER_", "PYTHON", "PIP_", "VIRTUAL_ENV"))}
    return subprocess.run(command, capture_output=True, text=True, timeout=1500, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh copy of the cached root in which setup.sh has run, offline."""
    with cache_lock():
        source = cached_root()
        wheels = cached_wheels()
    root = tmp_path_factory.mktemp("gradescope") / "root"
    subprocess.run(["cp", "-a", str(source), str(root)], check=True)
    shutil.copytree(wheels, root / "wheels")
    built = build_gradescope_zip(load_assignment("celoss", course_root=REPO), tmp_path_factory.mktemp("zip"))
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(root / "autograder" / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "autograder" / "source" / name).chmod(0o755)
    done = container(root, "AUTOGRADER_WHEELS=/wheels /autograder/source/setup.sh")
    assert done.returncode == 0, f"setup.sh failed:\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}"
    return root, done


def grade_in_container(root: Path, submission: Path, *, fresh_proc: bool = False, cgroups: bool = False) -> dict:
    for folder in ("submission", "results"):
        shutil.rmtree(root / "autograder" / folder, ignore_errors=True)
        (root / "autograder" / folder).mkdir(parents=True)
    shutil.copy2(submission, root / "autograder" / "submission" / submission.name)
    done = container(root, "/autograder/source/run_autograder", fresh_proc=fresh_proc, cgroups=cgroups)
    if fresh_proc:
        return done
    assert done.returncode == 0, f"run_autograder failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return json.loads((root / "autograder" / "results" / "results.json").read_text())


def test_setup_installs_only_what_grading_needs_without_internet(installed):
    root, done = installed
    assert "apt-get update" not in done.stderr  # every package was there: apt never reached for the network
    devices = container(root, "tail -n +3 /proc/net/dev | cut -d: -f1").stdout.split()
    assert devices == ["lo"]  # no way out: the install above ran without internet
    site = next((root / "autograder" / "venv" / "lib").glob("python3*/site-packages"))
    installed_names = {path.name.split("-")[0].lower() for path in site.glob("*.dist-info")}
    assert {"numpy", "scipy", "pytest", "traitlets"} <= installed_names
    assert not installed_names & {"jupyterlab", "dask", "distributed", "matplotlib", "nbgrader", "notebook"}


def test_run_autograder_grades_end_to_end_in_the_sandbox(installed):
    root, _ = installed
    document = grade_in_container(root, BUGGY)
    assert document["max_score"] == 10 and document["score"] == 7
    assert "no-max-shift" in document["extra_data"]["diagnoses"]
    assert document["extra_data"]["isolation"] == "bubblewrap"
    local = reproduce(load_assignment("celoss", course_root=REPO), BUGGY)
    assert local.seed == document["extra_data"]["seed"] and local.score == document["score"]


def test_the_root_has_no_python_seccomp_binding(installed):
    root, _ = installed
    assert not list(root.glob("usr/lib/python3*/*-packages/seccomp*")), "python3-seccomp is no longer needed"
    assert list(root.glob("usr/lib/*/libseccomp.so.2")), "libseccomp2 (apt's own dependency) is there"


def test_with_ubuntu_22_04s_old_bubblewrap_the_bundle_still_grades_in_the_sandbox(installed):
    """Jammy's bubblewrap is 0.6.1 (no --disable-userns, no --size): the stand-in placed first on PATH.

    The launcher probes `bwrap --help` and leaves both options out. With cgroups (which then cap its
    tmpfs) the bundle grades in bubblewrap; without them that bubblewrap is refused and the container
    tier grades. No python3-seccomp is in the root either way.
    """
    from tests.sandbox.conftest import OLD_BWRAP

    root, _ = installed
    stand_in = root / "usr" / "local" / "bin" / "bwrap"
    stand_in.parent.mkdir(parents=True, exist_ok=True)
    stand_in.write_text(OLD_BWRAP.format(real="/usr/bin/bwrap"))
    stand_in.chmod(0o755)
    try:
        assert "--disable-userns" not in container(root, "bwrap --help").stdout
        with_cgroups = grade_in_container(root, BUGGY, cgroups=True)
        without = grade_in_container(root, BUGGY)
    finally:
        stand_in.unlink()
    assert with_cgroups["extra_data"]["isolation"] == "bubblewrap" and without["extra_data"]["isolation"] == "uid"
    for document in (with_cgroups, without):
        assert document["max_score"] == 10 and document["score"] == 7


def test_where_no_sandbox_can_run_the_bundle_records_no_score(installed):
    """No tier can start, so the bundle must refuse, not grade unsandboxed.

    A fresh, partly masked /proc makes bubblewrap fail, and without libseccomp.so.2 neither tier can
    load its filter.
    """
    root, _ = installed
    seccomp = sorted(root.glob("usr/lib/*/libseccomp.so.2*"))
    assert seccomp, "the root has libseccomp2"
    for path in seccomp:
        path.rename(path.with_name(path.name + ".hidden"))
    try:
        done = grade_in_container(root, BUGGY, fresh_proc=True)
    finally:
        for path in seccomp:
            path.with_name(path.name + ".hidden").rename(path)
    assert done.returncode != 0
    assert not (root / "autograder" / "results" / "results.json").exists()
    assert "bubblewrap" in done.stderr and "uid" in done.stderr
