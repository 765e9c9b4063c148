"""Where a course's pieces live: the source notebook, the release, the hidden graders, the secret."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import GraderError

PACKAGE_DIR = Path(__file__).resolve().parent
GRADERS_DIR = PACKAGE_DIR / "graders"


@dataclass(frozen=True)
class Assignment:
    """One assignment: a source notebook plus a folder of hidden pytest graders."""

    name: str
    course_root: Path
    source_notebook: Path
    graders_dir: Path

    @property
    def release_dir(self) -> Path:
        return self.course_root / "assignments" / self.name


def find_course_root(start: Path | None = None) -> Path:
    """The nearest folder, from `start` upwards, holding nbgrader_config.py and solutions/."""
    if env_root := os.environ.get("AUTOGRADER_COURSE_ROOT"):
        return Path(env_root).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    packaged = PACKAGE_DIR.parent
    if (packaged / "solutions").is_dir():
        return packaged
    raise GraderError(
        "no course found: run from a folder holding nbgrader_config.py and solutions/, "
        "or set AUTOGRADER_COURSE_ROOT"
    )


def load_assignment(name: str, course_root: Path | None = None) -> Assignment:
    root = course_root or find_course_root()
    source = root / "solutions" / name / f"{name}.ipynb"
    graders = GRADERS_DIR / name
    if not source.is_file():
        raise GraderError(f"assignment {name!r} has no source notebook at {source}")
    if not graders.is_dir():
        raise GraderError(f"assignment {name!r} has no hidden graders at {graders}")
    return Assignment(name=name, course_root=root, source_notebook=source, graders_dir=graders)
