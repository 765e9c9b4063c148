"""Build a Gradescope autograder zip: setup.sh, run_autograder, the package, the graders, the reference.

Layout inside the zip (Gradescope unpacks it to /autograder/source):

    setup.sh            apt: python3 (3.11 or newer; on Ubuntu 22.04 python3.11 from universe, beside the
                        system's python3), its venv module, bubblewrap, libseccomp2; pip: requirements.lock;
                        the sandbox runtime (which runs /usr/bin/python3.<minor> of the venv's python)
    run_autograder      grades /autograder/submission, writes /autograder/results/results.json
    requirements.lock   what grading needs and nothing else (the repository's requirements-grading.lock;
                        also in src/, where the sandbox runtime reads its numpy and scipy pins)
    src/                the autograder package source tree (pyproject.toml, autograder/)
    course/             a minimal course: solutions/<assignment>/<assignment>.ipynb (the reference),
                        graders/<assignment>/ (the hidden graders and their declaration),
                        nbgrader_config.py (the course's c.Autograder limits only) and .autograder-secret
    GRADESCOPE.md       these notes

The seed secret: the course's own secret is NEVER shipped. The bundle carries
HMAC(course secret, "gradescope:" + assignment) (`seeding.gradescope_secret`), so every build of the same
course ships the same secret, and whoever holds the course secret can reproduce any Gradescope seed
locally (`autograder gradescope-reproduce`, see GRADESCOPE.md) while the zip reveals
nothing about the course secret or other assignments' seeds.

`AUTOGRADER_GRADESCOPE_ROOT` (default /autograder) moves the whole layout, so tests can mimic it;
`AUTOGRADER_WHEELS` points setup.sh's pip at a local wheel folder (no index), for machines without internet.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.course.config import CourseSettings, load_settings
from autograder.course.assignment import PACKAGE_DIR, Assignment
from autograder.course.seeding import SECRET_FILENAME, course_secret, fingerprint, gradescope_secret

REPO_ROOT = PACKAGE_DIR.parent
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # same contents give the same bytes
GRADING_LOCK = "requirements-grading.lock"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while building the autograder image (Ubuntu 22.04 or 24.04 base;
# any Debian-like root works). It installs only what grading needs, and apt only what is missing.
set -euxo pipefail
ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
missing() { for package in "$@"; do dpkg -s "$package" >/dev/null 2>&1 || echo "$package"; done; }
apt_install() {
  local wanted
  wanted=$(missing "$@")
  if [ -n "$wanted" ]; then
    [ -n "${APT_UPDATED:-}" ] || { apt-get update; APT_UPDATED=1; }
    apt-get install -y --no-install-recommends $wanted
  fi
}
apt_install python3 bubblewrap libseccomp2 ca-certificates
# The engine needs Python 3.11 or newer. Ubuntu 22.04's python3 is 3.10: take python3.11 from its universe
# archive beside it (the system's python3 stays as it is); the sandbox runs /usr/bin/python3.11 then.
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  PYTHON=python3
  apt_install python3-venv
else
  PYTHON=python3.11
  if ! apt_install python3.11 python3.11-venv; then
    apt_install software-properties-common
    add-apt-repository -y universe && apt-get update
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
  fi
fi
"$PYTHON" -m venv "$ROOT/venv"
if [ -n "${AUTOGRADER_WHEELS:-}" ]; then  # no index at all: every pip below (and the runtime's) uses these wheels
  export PIP_NO_INDEX=1 PIP_FIND_LINKS="$AUTOGRADER_WHEELS"
fi
"$ROOT/venv/bin/pip" install --no-cache-dir --disable-pip-version-check -r "$ROOT/source/requirements.lock"
# The sandbox's own interpreter and numpy (see autograder/sandbox/runtime.py); built from the bundled tree,
# which also runs the grader itself (run_autograder sets PYTHONPATH to it).
PYTHONPATH="$ROOT/source/src" "$ROOT/venv/bin/python" -m autograder.sandbox.runtime
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission, write $ROOT/results/results.json.
# The python is $ROOT/venv/bin/python (made by setup.sh), else the first python3 on PATH.
set -euo pipefail
ROOT="${{AUTOGRADER_GRADESCOPE_ROOT:-/autograder}}"
PYTHON="$ROOT/venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
export AUTOGRADER_COURSE_ROOT="$ROOT/source/course"
export PYTHONPATH="$ROOT/source/src"
export OPENBLAS_NUM_THREADS=1
cd "$ROOT/source/src"  # `python -m` puts the working directory first on sys.path: make it the bundled tree
exec "$PYTHON" -m autograder.frontends.gradescope_run --root "$ROOT" --assignment {assignment}
"""

README = """# Gradescope autograder for {assignment}

Upload autograder.zip as a "Zip file upload" autograder with the Ubuntu 22.04 or 24.04 base image. setup.sh
installs Python 3.11 or newer (on 22.04 python3.11 from universe, beside the system's python3), bubblewrap and
libseccomp2. Gradescope's containers deny user namespaces, so the container tier runs there (a uid of its own per
submission, chrooted, under the seccomp filter and rlimits); where no sandbox can start, the bundle records no score.
Students submit {assignment}.ipynb (or {assignment}.py). Every test's teaching message is shown to them.

The hidden-input seed comes from course/.autograder-secret, which is HMAC(course secret, "gradescope:{assignment}")
(fingerprint {fingerprint}). The course's own secret is never shipped, and every build from the same course
ships the same derived secret, so a rebuilt zip grades exactly like this one. To reproduce a Gradescope result
locally, from the course (which holds the course secret), grade the student's file with the bundle's secret:

    autograder gradescope-reproduce {assignment} STUDENT_FILE

It prints the score and the seed, which equal `score` and `extra_data.seed` in Gradescope's results.json.
Do not publish this zip: it contains the reference solution.
"""

BUNDLE_CONFIG = """# The Gradescope bundle's course settings: the course's c.Autograder limits, and nothing else.
c = get_config()  # noqa: F821
c.Autograder.memory_mb = {memory_mb!r}
c.Autograder.cpu_seconds = {cpu_seconds!r}
c.Autograder.wall_seconds = {wall_seconds!r}
c.Autograder.isolation = {isolation!r}
"""


@dataclass(frozen=True)
class GradescopeZip:
    """The built zip and what went into it."""

    path: Path
    members: tuple[str, ...]
    secret_fingerprint: str = ""


def build_gradescope_zip(assignment: Assignment, out_dir: Path) -> GradescopeZip:
    """Write `out_dir/autograder.zip` for `assignment`; returns its path and member names."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(assignment.course_root)
    secret = bundle_secret(assignment)
    files: dict[str, tuple[bytes, int]] = {
        "setup.sh": (SETUP_SH.encode(), 0o755),
        "run_autograder": (RUN_AUTOGRADER.format(assignment=assignment.name).encode(), 0o755),
        "GRADESCOPE.md": (README.format(assignment=assignment.name, fingerprint=fingerprint(secret)).encode(), 0o644),
        f"course/solutions/{assignment.name}/{assignment.name}.ipynb": (assignment.source_notebook.read_bytes(), 0o644),
        f"course/{SECRET_FILENAME}": ((secret.hex() + "\n").encode(), 0o600),
        "course/nbgrader_config.py": (bundle_config(settings).encode(), 0o644),
    }
    lock = REPO_ROOT / GRADING_LOCK
    for name, source in (("requirements.lock", lock), ("src/requirements.lock", lock),
                         ("src/pyproject.toml", REPO_ROOT / "pyproject.toml"), ("src/README.md", REPO_ROOT / "README.md")):
        if source.is_file():
            files[name] = (source.read_bytes(), 0o644)
    for path in _package_files():
        files["src/" + path.relative_to(REPO_ROOT).as_posix()] = (path.read_bytes(), 0o644)
    for path in sorted(assignment.graders_dir.rglob("*")):
        if path.is_file() and not SKIP_PARTS & set(path.parts):
            files[f"course/graders/{assignment.name}/" + path.relative_to(assignment.graders_dir).as_posix()] = (
                path.read_bytes(), 0o644)
    target = out_dir / "autograder.zip"
    temporary = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            data, mode = files[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(temporary, target)
    return GradescopeZip(target, tuple(sorted(files)), fingerprint(secret))


def bundle_secret(assignment: Assignment) -> bytes:
    """The secret a bundle for `assignment` carries, derived from the course's (which never leaves it)."""
    return gradescope_secret(course_secret(assignment.course_root), assignment.name)


def reproduce(assignment: Assignment, path: Path):
    """Grade `path` locally exactly as the bundle does on Gradescope: same secret, so same seed and score."""
    from autograder.grading.engine import grade_path
    from autograder.submission.extract import file_digest
    from autograder.course.seeding import submission_seed

    seed = submission_seed(bundle_secret(assignment), assignment.name, file_digest(Path(path))[0])
    return grade_path(assignment, Path(path), name=Path(path).stem, seed=seed,
                      limits=load_settings(assignment.course_root).limits())


def bundle_config(settings: CourseSettings) -> str:
    return BUNDLE_CONFIG.format(memory_mb=settings.memory_mb, cpu_seconds=settings.cpu_seconds,
                                wall_seconds=settings.wall_seconds, isolation=settings.isolation)


def _package_files() -> list[Path]:
    """The engine package's Python and Markdown files."""
    return [path for path in sorted(PACKAGE_DIR.rglob("*"))
            if path.is_file() and not SKIP_PARTS & set(path.parts) and path.suffix in (".py", ".md", ".json", ".typed")]
