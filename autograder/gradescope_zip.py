"""Build a Gradescope autograder zip: setup.sh, run_autograder, the package, the graders, the reference.

Layout inside the zip (Gradescope unpacks it to /autograder/source):

    setup.sh            apt: python3, venv, bubblewrap, python3-seccomp; pip: requirements.lock, the package
    run_autograder      grades /autograder/submission, writes /autograder/results/results.json
    requirements.lock   the pinned Python dependencies (also in src/, where the sandbox runtime looks)
    src/                the autograder package source tree (pyproject.toml, autograder/)
    course/             a minimal course: solutions/<assignment>/<assignment>.ipynb (the reference),
                        graders/<assignment>/ (the hidden graders and their declaration),
                        nbgrader_config.py and .autograder-secret
    GRADESCOPE.md       these notes

The seed secret: the course's own `.autograder-secret` is NEVER shipped. Each build writes a fresh random
secret into course/.autograder-secret. Gradescope's autograder container is trusted and invisible to
students, so hidden inputs stay unpredictable to them; anyone holding the zip can reproduce a Gradescope
seed, and rebuilding the zip changes every seed (so regrade on Gradescope with the same zip).

`AUTOGRADER_GRADESCOPE_ROOT` (default /autograder) moves the whole layout, so tests can mimic it.
"""

from __future__ import annotations

import os
import secrets
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.course import PACKAGE_DIR, Assignment
from autograder.seeding import SECRET_FILENAME

REPO_ROOT = PACKAGE_DIR.parent
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # same contents give the same bytes, apart from the secret

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while building the autograder image (use the Ubuntu 24.04 base).
set -euxo pipefail
ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap python3-seccomp
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --no-cache-dir -r "$ROOT/source/requirements.lock"
"$ROOT/venv/bin/pip" install --no-cache-dir --no-deps "$ROOT/source/src"
# The sandbox's own interpreter and numpy (see autograder/sandbox/runtime.py); built from the bundled tree.
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
exec "$PYTHON" -m autograder.gradescope_run --root "$ROOT" --assignment {assignment}
"""

README = """# Gradescope autograder for {assignment}

Upload autograder.zip as a "Zip file upload" autograder with the Ubuntu 24.04 base image.
Students submit {assignment}.ipynb (or {assignment}.py). Every test's teaching message is shown to them.

The hidden-input seed comes from course/.autograder-secret, a random secret generated when this zip was
built (the course's own secret is never shipped). Regrading with the same zip reproduces every score;
a rebuilt zip draws new hidden inputs. Do not publish this zip: it contains the reference solution.
"""


@dataclass(frozen=True)
class GradescopeZip:
    """The built zip and what went into it."""

    path: Path
    members: tuple[str, ...]


def build_gradescope_zip(assignment: Assignment, out_dir: Path) -> GradescopeZip:
    """Write `out_dir/autograder.zip` for `assignment`; returns its path and member names."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[bytes, int]] = {
        "setup.sh": (SETUP_SH.encode(), 0o755),
        "run_autograder": (RUN_AUTOGRADER.format(assignment=assignment.name).encode(), 0o755),
        "GRADESCOPE.md": (README.format(assignment=assignment.name).encode(), 0o644),
        f"course/solutions/{assignment.name}/{assignment.name}.ipynb": (assignment.source_notebook.read_bytes(), 0o644),
        f"course/{SECRET_FILENAME}": ((secrets.token_hex(32) + "\n").encode(), 0o600),
    }
    lock = REPO_ROOT / "requirements.lock"
    for name, source in (("requirements.lock", lock), ("src/requirements.lock", lock),
                         ("src/pyproject.toml", REPO_ROOT / "pyproject.toml"), ("src/README.md", REPO_ROOT / "README.md"),
                         ("course/nbgrader_config.py", assignment.course_root / "nbgrader_config.py")):
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
    return GradescopeZip(target, tuple(sorted(files)))


def _package_files() -> list[Path]:
    """The engine package's Python and Markdown files."""
    return [path for path in sorted(PACKAGE_DIR.rglob("*"))
            if path.is_file() and not SKIP_PARTS & set(path.parts) and path.suffix in (".py", ".md", ".json", ".typed")]
