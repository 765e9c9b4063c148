"""nbgrader preprocessor `TrustedGrades`: every autograded test cell's score comes from the trusted engine.

Configured in the course's nbgrader_config.py (see `autograde_preprocessors`). During
`nbgrader autograde` it replaces nbgrader's `Execute`: the student's notebook is never run in a
Jupyter kernel on the grading machine. Instead the submitted file is graded exactly as
`autograder grade` grades it (sandboxed child, hidden pytest graders in this process), and each
test cell's outputs are overwritten with

    1. a stdout stream: the per-test teaching feedback for the cell's part, and
    2. one execute_result whose text/plain is the part's score, e.g. "1.5",

so that nbgrader's `determine_grade` reads exactly the engine's score, which `SaveAutoGrades`
then stores in the gradebook. Nothing the student's code printed or returned is ever read.

Convention: a test cell whose grade_id is ``<part>`` (or ``test_<part>``) is scored by the hidden
graders marked ``@pytest.mark.part("<part>")``, one cell per part. Its maximum comes from the gradebook (never
from the submitted notebook); if it differs from the graders' total for that part, the part's
score is scaled to it and a warning is logged. A test cell whose part has no graders, or a grader
error, is an infrastructure failure: the notebook is not scored (nbgrader reports it as failed).

A part whose graders are all bonus is nbgrader extra credit: its cell is worth 0 points in the
gradebook (so the assignment's maximum is the core total everywhere nbgrader shows one) and
`SaveExtraCredit`, right after `SaveAutoGrades`, stores the part's score as the grade's `extra_credit`.

The hidden-test region of every test cell (### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS) is
removed from the autograded notebook, so `nbgrader generate_feedback` cannot show it.

What each cell becomes is planned by the pure `autograder.frontends.nbgrader_plan.plan_grades`;
`TrustedGrades.apply` only writes that plan into the notebook and the gradebook.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput,
    NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)
from traitlets import Bool, Unicode

from autograder.errors import GraderError
from autograder.frontends.nbgrader_bonus import ExtraCreditCells, make_extra_credit_cell
from autograder.frontends.nbgrader_plan import (
    HIDDEN_DELIMITERS, TEST_CELL_PREFIX, CellKind, GradesPlan, plan_grades,
)
from autograder.grading.outcome import ScoreReport
from autograder.submission.regular_file import is_readable

NOT_READ_PLACEHOLDER = "# (not shown: the submitted file is not a regular file, so it was not read)"


def scored_outputs(feedback: str, score: float, execution_count: int) -> list[NotebookNode]:
    """A stdout stream with the feedback, then the score as the cell's value: what `determine_grade` reads."""
    return [
        NotebookNode(output_type="stream", name="stdout", text=feedback),
        NotebookNode(output_type="execute_result", execution_count=execution_count, metadata={},
                     data={"text/plain": repr(float(score))}),
    ]


def withhold_unread_cells(nb: NotebookNode) -> None:
    """nbgrader read a submitted link's target; feedback must never show it: blank every unlocked cell."""
    for cell in nb.cells:
        if utils.is_locked(cell) and not utils.is_solution(cell):
            continue
        cell.source = NOT_READ_PLACEHOLDER
        if cell.cell_type == "code":
            cell.outputs = []


def write_plan(nb: NotebookNode, plan: GradesPlan) -> None:
    """Write each planned cell's source, points and outputs into the notebook."""
    if plan.withhold_unread:
        withhold_unread_cells(nb)
    for grade in plan.cells:
        cell = nb.cells[grade.index]
        cell.source = grade.source
        if grade.kind is CellKind.NOT_IN_GRADEBOOK:
            cell.metadata.nbgrader["grade"] = False
            cell.outputs = []
            continue
        cell.metadata.nbgrader["points"] = grade.points
        cell.execution_count = grade.index + 1
        cell.outputs = scored_outputs(grade.feedback, grade.score, grade.index + 1)


class TrustedGrades(NbGraderPreprocessor):
    """Score every autograded test cell with the trusted engine; see the module docstring."""

    test_cell_prefix = Unicode(
        TEST_CELL_PREFIX, help="optional grade_id prefix of test cells; the rest of the grade_id is the part"
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        submitted, graders_dir, report = self._grade(info)
        plan = plan_grades(nb, report, self._gradebook_points(info), readable=is_readable(submitted),
                           graders_dir=graders_dir, test_cell_prefix=self.test_cell_prefix,
                           hidden_delimiters=self._hidden_delimiters())
        self.apply(nb, plan, info)
        resources.setdefault("autograder", {})[info["notebook"]] = report
        resources.setdefault("autograder_extra_credit", {})[info["notebook"]] = plan.extra_credit
        return nb, resources

    def apply(self, nb: NotebookNode, plan: GradesPlan, info: dict) -> None:
        """Write the plan into the notebook, and make each bonus cell worth 0 in the gradebook."""
        for warning in plan.warnings:
            self.log.warning("%s", warning)
        for grade in plan.cells:
            if grade.kind is CellKind.EXTRA_CREDIT and grade.gradebook_points:
                make_extra_credit_cell(info["db_url"], info["assignment"], info["notebook"], grade.grade_id)
        write_plan(nb, plan)

    def _grade(self, info: dict) -> tuple[Path, Path, ScoreReport]:
        """Grade the submitted notebook as `autograder grade` does; refuse a report that cannot be scored."""
        from autograder.course.config import load_settings
        from autograder.course.assignment import load_assignment
        from autograder.grading.engine import grade_path
        from autograder.sandbox.policy import allows, use_course_isolation

        coursedir = self._coursedir()
        submitted = Path(
            coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
        ) / f"{info['notebook']}.ipynb"
        if not os.path.lexists(submitted):
            raise GraderError(f"TrustedGrades: submitted notebook not found at {submitted}")
        assignment = load_assignment(info["assignment"], course_root=Path(coursedir.root).resolve())
        settings = load_settings(assignment.course_root)
        use_course_isolation(settings.isolation)
        report = grade_path(assignment, submitted, name=f"{info['student']}__{info['notebook']}",
                            student_id=info["student"], limits=settings.limits())
        if not allows(report.isolation):
            raise GraderError(f"TrustedGrades: {submitted} was graded with isolation {report.isolation!r}, less "
                              "than the course requires (c.Autograder.isolation); not scored")
        if report.grader_errors:
            details = "; ".join(f"{failure.name}: {failure.message}" for failure in report.grader_errors)
            raise GraderError(f"TrustedGrades: the graders failed on {submitted} (not scored): {details}")
        self.log.info("TrustedGrades: %s scored %g (engine max %g, seed %d, isolation %s)",
                      submitted, report.score, report.max_score, report.seed, report.isolation)
        return submitted, assignment.graders_dir, report

    def _coursedir(self) -> CourseDirectory:
        owner = getattr(getattr(self, "parent", None), "parent", None)
        coursedir = getattr(owner, "coursedir", None)
        return coursedir if isinstance(coursedir, CourseDirectory) else CourseDirectory(config=self.config)

    def _gradebook_points(self, info: dict) -> dict[str, float]:
        """grade_id -> max points of every autograded code cell, as the gradebook records them."""
        with Gradebook(info["db_url"]) as gradebook:
            try:
                notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                raise GraderError(f"TrustedGrades: notebook {info['notebook']!r} is not in the gradebook") from None
            return {cell.name: float(cell.max_score) for cell in notebook.grade_cells if cell.cell_type == "code"}

    def _hidden_delimiters(self) -> tuple[str, str]:
        settings = self.config.get("ClearHiddenTests", {})
        return (settings.get("begin_test_delimeter", HIDDEN_DELIMITERS[0]),
                settings.get("end_test_delimeter", HIDDEN_DELIMITERS[1]))


class SaveExtraCredit(NbGraderPreprocessor):
    """Store each bonus part's score (from `TrustedGrades`) as its grade's `extra_credit`; runs after SaveAutoGrades."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        credits = resources.get("autograder_extra_credit", {}).get(info["notebook"], {})
        if not credits:
            return nb, resources
        with Gradebook(info["db_url"]) as gradebook:
            for grade_id, points in credits.items():
                grade = gradebook.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
                grade.extra_credit = points
            gradebook.db.commit()
        return nb, resources


class RestoreMissingCells(OverwriteCells):
    """nbgrader's OverwriteCells, but a deleted grade cell comes back even after a locked non-graded cell.

    nbgrader 0.9.6 re-inserts a missing grade cell after the preceding *grade or solution* cell and
    raises KeyError when the preceding source cell is any other locked cell (here: the visible checks).
    This version inserts it after the nearest preceding source cell still present, whatever its kind.
    """

    add_missing_cells = Bool(True, help="Whether deleted grade and task cells are added back").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        """A cell claiming a grade_id the gradebook does not know becomes an ordinary cell.

        (nbgrader 0.9.6 deletes only its grade_id, which then crashes `add_missing_task_cells`.)
        """
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            try:
                self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                self.log.warning("Cell %r is not in the gradebook; it is kept as an ordinary cell", grade_id)
                del cell.metadata["nbgrader"]
                return cell, resources
        return super().preprocess_cell(cell, resources, index)

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        sources = {cell.name: cell for cell in source_nb.source_cells}
        order = list(sources)
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)}
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_cell.name)
            restored = self.missing_cell_transform(
                sources[grade_cell.name], grade_cell.max_score, is_solution=grade_cell.name in solution_ids
            )
            earlier = order[: order.index(grade_cell.name)] if grade_cell.name in order else []
            position = next((present[name] + 1 for name in reversed(earlier) if name in present), len(nb.cells))
            nb.cells.insert(position, restored)
        return nb, resources


def sanitize_preprocessors() -> list:
    """nbgrader 0.9.6's default sanitize list with `OverwriteCells` replaced by `RestoreMissingCells`."""
    return [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreMissingCells, CheckCellMetadata]


def generate_preprocessors() -> list:
    """nbgrader 0.9.6's default generate_assignment list with `ExtraCreditCells` right after `SaveCells`."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import SaveCells

    defaults = list(GenerateAssignment.class_traits()["preprocessors"].default())
    at = defaults.index(SaveCells) + 1
    return [*defaults[:at], ExtraCreditCells, *defaults[at:]]


def autograde_preprocessors() -> list:
    """nbgrader 0.9.6's default autograde list with `Execute` replaced by `TrustedGrades`."""
    return [
        TrustedGrades,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        SaveExtraCredit,
        AssignLatePenalties,
        CheckCellMetadata,
    ]

