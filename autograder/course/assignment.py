"""Where a course's pieces live: per assignment a source notebook, a graders folder and its declaration."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.errors import GraderError

PACKAGE_DIR = Path(autograder.__file__).resolve().parent  # the package's folder, wherever this module sits in it
DECLARATION = "assignment.toml"


@dataclass(frozen=True)
class Declaration:
    """What an assignment's `graders/<name>/assignment.toml` declares about its student API.

    The same file holds the misconception catalogue, read by `autograder.checks.catalogue`.
    """

    title: str
    api: dict[str, tuple[str, ...]]  # class (or function) name -> the methods the graders call on it

    @property
    def required_names(self) -> tuple[str, ...]:
        """The top-level names the reference (and a complete submission) must define."""
        return tuple(self.api)

    @property
    def targets(self) -> tuple[str, ...]:
        """Every callable the graders may call, such as "CELoss.forward"."""
        return tuple(f"{name}.{method}" if method else name for name, methods in self.api.items()
                     for method in (methods or ("",)))


@dataclass(frozen=True)
class Assignment:
    """One assignment: a source notebook, a folder of hidden pytest graders, and their declaration."""

    name: str
    course_root: Path
    source_notebook: Path
    graders_dir: Path
    declaration: Declaration

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
    raise GraderError(
        "no course found: run from a folder holding nbgrader_config.py and solutions/ (or below it), "
        "pass --course DIR, or set AUTOGRADER_COURSE_ROOT"
    )


def assignment_names(course_root: Path) -> list[str]:
    """The assignments of a course: those with both a source notebook and a declared graders folder."""
    graders = course_root / "graders"
    if not graders.is_dir():
        return []
    return sorted(
        folder.name for folder in graders.iterdir()
        if (folder / DECLARATION).is_file() and (course_root / "solutions" / folder.name / f"{folder.name}.ipynb").is_file()
    )


def load_assignment(name: str, course_root: Path | None = None) -> Assignment:
    root = Path(course_root or find_course_root()).resolve()
    source = root / "solutions" / name / f"{name}.ipynb"
    graders = root / "graders" / name
    if not source.is_file() or not (graders / DECLARATION).is_file():
        known = assignment_names(root)
        missing = "source notebook " + str(source) if not source.is_file() else f"declaration {graders / DECLARATION}"
        raise GraderError(
            f"unknown assignment {name!r} in the course at {root} (no {missing}); "
            + (f"the course's assignments are: {', '.join(known)}" if known else "the course has no assignments yet")
        )
    return Assignment(name=name, course_root=root, source_notebook=source, graders_dir=graders,
                      declaration=read_declaration(graders / DECLARATION))


def read_declaration(path: Path) -> Declaration:
    """Parse and check `assignment.toml`; a malformed one is the instructor's error, said plainly."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise GraderError(f"cannot read the assignment declaration {path}: {error}") from None
    api = data.get("api")
    if not isinstance(api, dict) or not api or not all(
        isinstance(name, str) and name.isidentifier() and isinstance(methods, list)
        and all(isinstance(m, str) and m.isidentifier() for m in methods)
        for name, methods in api.items()
    ):
        raise GraderError(
            f"{path}: [api] must map each class name to the list of its methods the graders call, "
            'for example CELoss = ["forward", "backward"] (a plain function: name = [])'
        )
    title = data.get("title", path.parent.name)
    if not isinstance(title, str):
        raise GraderError(f"{path}: title must be a string")
    return Declaration(title=title, api={name: tuple(methods) for name, methods in api.items()})
