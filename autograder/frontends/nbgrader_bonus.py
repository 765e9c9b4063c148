"""A bonus part is nbgrader extra credit from the moment the gradebook knows the assignment.

nbgrader adds every grade cell's points to the assignment's maximum, so a bonus cell registered at
its notebook's points would make a perfect core submission read 10/12 in formgrader and
`nbgrader export` until the first `nbgrader autograde` fixed it. `ExtraCreditCells` runs in
`generate_assignment` right after nbgrader's `SaveCells` (the course's nbgrader_config.py installs
`generate_preprocessors()`, which also serves the registration of a fresh clone) and records each
bonus cell at 0 points; `SaveExtraCredit` later stores its score as the grade's extra credit.
A part is bonus when every hidden grader of it is marked `@pytest.mark.part(name, bonus=True)`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.errors import GraderError

log = logging.getLogger("autograder.nbgrader")


def source_checksum(source, *, points: float, solution: bool = False) -> str:
    """nbgrader's checksum of a gradebook source cell of a grade cell, as if it were worth `points`."""
    cell = NotebookNode(cell_type=source.cell_type, source=source.source, metadata=NotebookNode(nbgrader=NotebookNode(
        grade=True, solution=solution, locked=bool(source.locked), grade_id=source.name, points=points)))
    return utils.compute_checksum(cell)


def make_extra_credit_cell(db_url: str, assignment: str, notebook: str, grade_id: str) -> bool:
    """Record the grade cell at 0 points (its score counts only as extra credit); False if it already was."""
    with Gradebook(db_url) as gradebook:
        cell = gradebook.find_grade_cell(grade_id, notebook, assignment)
        if float(cell.max_score) == 0:
            return False
        log.info("autograder: bonus cell %r counts as extra credit (was worth %g)", grade_id, cell.max_score)
        cell.max_score = 0.0
        source = gradebook.find_source_cell(grade_id, notebook, assignment)
        source.checksum = source_checksum(source, points=0.0)  # nbgrader's checksum covers the points
        gradebook.db.commit()
    return True


class ExtraCreditCells(NbGraderPreprocessor):
    """In `generate_assignment`, after `SaveCells`: record every bonus part's grade cell at 0 points."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        from autograder.course.assignment import load_assignment
        from autograder.grading.runner import bonus_parts

        info = resources["nbgrader"]
        try:
            assignment = load_assignment(info["assignment"], Path(self._coursedir().root))
        except GraderError as error:  # a course without the graders (the release's scratch copy) has no bonus parts
            self.log.warning("ExtraCreditCells: no bonus part is known, every cell keeps its points: %s", error)
            return nb, resources
        bonus = bonus_parts(assignment.graders_dir)
        for cell in nb.cells:
            if utils.is_grade(cell) and cell.cell_type == "code" and _part(cell, self._test_cell_prefix()) in bonus:
                make_extra_credit_cell(info["db_url"], info["assignment"], info["notebook"],
                                       cell.metadata.nbgrader["grade_id"])
        return nb, resources

    def _test_cell_prefix(self) -> str:
        from autograder.frontends.nbgrader_plan import TEST_CELL_PREFIX

        return self.config.get("TrustedGrades", {}).get("test_cell_prefix", TEST_CELL_PREFIX)

    def _coursedir(self) -> CourseDirectory:
        owner = getattr(getattr(self, "parent", None), "parent", None)
        coursedir = getattr(owner, "coursedir", None)
        return coursedir if isinstance(coursedir, CourseDirectory) else CourseDirectory(config=self.config)


def _part(cell: NotebookNode, prefix: str) -> str:
    from autograder.frontends.nbgrader_plan import part_for_grade_id

    return part_for_grade_id(cell.metadata.nbgrader["grade_id"], prefix)
