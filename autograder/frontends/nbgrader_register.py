"""Register the course's assignments in the nbgrader gradebook from their source notebooks, when it lacks them.

On a fresh clone the release in assignments/ is committed but gradebook.db is not, so stock
`nbgrader generate_assignment celoss` skips the existing release and registers nothing, and
`nbgrader autograde` then refuses every student. The course's nbgrader_config.py calls
`register_missing_assignments` whenever an nbgrader command loads it: each assignment with a source
notebook that the gradebook does not know (or whose notebook it lacks) is run through nbgrader's own
GenerateAssignment into a scratch folder, which records the assignment, its notebooks and its cells
exactly as `generate_assignment` would; the committed release is not touched. It also records each
configured due date (`c.Autograder.due_dates`), so nbgrader computes lateness from timestamp.txt.
"""

from __future__ import annotations

import copy
import logging
import os
import tempfile
from pathlib import Path

from traitlets.config import Config

from autograder.course.config import LOADING_ENV

log = logging.getLogger("autograder.nbgrader")


def register_missing_assignments(config: Config, course_root: Path) -> list[str]:
    """Register what the gradebook lacks; returns the names registered. Never raises: nbgrader reports later."""
    if os.environ.get(LOADING_ENV):
        return []
    try:
        return _register(config, Path(course_root))
    except Exception as error:  # a broken gradebook must not stop `nbgrader --help`; autograde then says why
        log.warning("autograder: could not register the course's assignments in the gradebook: %s", error)
        return []


def _register(config: Config, course_root: Path) -> list[str]:
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.course.config import load_settings
    from autograder.course.assignment import assignment_names

    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    settings = load_settings(course_root)
    missing = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:  # as nbgrader's own apps open it
        for name in assignment_names(course_root):
            due = settings.due_date(name)
            try:
                assignment = gradebook.find_assignment(name)
                if due is not None and (assignment.duedate is None or assignment.duedate != due.replace(tzinfo=None)):
                    gradebook.update_or_create_assignment(name, duedate=due.replace(tzinfo=None))
                if name not in {notebook.name for notebook in assignment.notebooks}:
                    missing.append(name)
            except MissingEntry:
                gradebook.update_or_create_assignment(name, **({"duedate": due.replace(tzinfo=None)} if due else {}))
                missing.append(name)
    for name in missing:
        _generate_into_scratch(config, course_root, name)
        log.info("autograder: registered assignment %r in the gradebook from its source notebook", name)
    return missing


def _generate_into_scratch(config: Config, course_root: Path, name: str) -> None:
    """nbgrader's GenerateAssignment with the release directory moved to a temporary folder."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    with tempfile.TemporaryDirectory(prefix="autograder-register-") as scratch:
        local = copy.deepcopy(config)  # the caller's config stays as it was
        local.CourseDirectory.root = str(course_root)
        local.CourseDirectory.release_directory = os.path.relpath(scratch, course_root)
        local.GenerateAssignment.force = True
        local.GenerateAssignment.create_assignment = True
        coursedir = CourseDirectory(config=local)
        coursedir.assignment_id = name
        GenerateAssignment(coursedir=coursedir, config=local).start()
