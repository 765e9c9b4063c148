"""What `TrustedGrades` writes into an autograded notebook, planned from the notebook and the `ScoreReport` alone.

`plan_grades` is pure: no file, no gradebook, no logging. It reads the test cells of the notebook,
the report and the points the gradebook records, and returns a frozen `GradesPlan` (per cell: the
source without hidden tests, the points, the score nbgrader will read, the feedback text, any extra
credit) that `TrustedGrades.apply` then writes. Whatever cannot be scored raises `GraderError`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from autograder.errors import GraderError
from autograder.reports.nbgrader_feedback import part_feedback, submission_notes
from autograder.grading.outcome import ScoreReport

TEST_CELL_PREFIX = "test_"
HIDDEN_PLACEHOLDER = "# (hidden tests run by the trusted autograder; the results are below)"
HIDDEN_DELIMITERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class CellKind(enum.Enum):
    SCORED = "scored"  # a core part: the score is the cell's value
    EXTRA_CREDIT = "extra_credit"  # a bonus part: worth 0 points, its score is the grade's extra credit
    NOT_IN_GRADEBOOK = "not_in_gradebook"  # an unknown grade_id: becomes an ungraded cell


@dataclass(frozen=True)
class CellGrade:
    """What one autograded test cell becomes."""

    index: int  # the cell's position in the notebook
    grade_id: str
    kind: CellKind
    source: str  # the cell's source with its hidden tests removed
    points: float = 0.0  # the cell's maximum as stored in the notebook
    score: float = 0.0  # the value nbgrader's determine_grade reads
    feedback: str = ""
    extra_credit: float = 0.0
    gradebook_points: float = 0.0  # the maximum the gradebook records today


@dataclass(frozen=True)
class GradesPlan:
    cells: tuple[CellGrade, ...]
    withhold_unread: bool  # the submitted file was not read: blank every unlocked cell nbgrader read
    warnings: tuple[str, ...]

    @property
    def extra_credit(self) -> dict[str, float]:
        """grade_id -> extra-credit points of each bonus cell."""
        return {c.grade_id: c.extra_credit for c in self.cells if c.kind is CellKind.EXTRA_CREDIT}


def part_for_grade_id(grade_id: str, prefix: str = TEST_CELL_PREFIX) -> str:
    """`forward` -> `forward`, and `test_forward` -> `forward`."""
    if prefix and grade_id.startswith(prefix) and len(grade_id) > len(prefix):
        return grade_id[len(prefix):]
    return grade_id


def cell_score(got: float, graders_max: float, cell_points: float) -> float:
    """The part's score in the cell's points: scaled if the maxima differ, clamped to [0, points]."""
    if graders_max > 0 and graders_max != cell_points:
        got = got * cell_points / graders_max
    return round(min(max(got, 0.0), cell_points), 6)


def strip_hidden_tests(source: str, begin: str = HIDDEN_DELIMITERS[0], end: str = HIDDEN_DELIMITERS[1]) -> str:
    """Replace each hidden-test region, delimiters included, with one placeholder comment line."""
    kept: list[str] = []
    hidden = False
    for line in source.split("\n"):
        if begin in line:
            hidden = True
            kept.append(line[: len(line) - len(line.lstrip())] + HIDDEN_PLACEHOLDER)
        elif end in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def is_test_cell(cell: NotebookNode) -> bool:
    return utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code"


def plan_grades(nb: NotebookNode, report: ScoreReport, gradebook_points: Mapping[str, float], *, readable: bool,
                graders_dir: Path, test_cell_prefix: str = TEST_CELL_PREFIX,
                hidden_delimiters: tuple[str, str] = HIDDEN_DELIMITERS) -> GradesPlan:
    """Each test cell's grade from a report without grader errors; `gradebook_points`: grade_id -> maximum."""
    parts = report.part_scores()
    bonus_parts = {part for part in parts if all(t.bonus for t in report.tests if t.part == part)}
    cells: list[CellGrade] = []
    warnings: list[str] = []
    scored: set[str] = set()
    notes = submission_notes(report)
    for index, cell in enumerate(nb.cells):
        if not is_test_cell(cell):
            continue
        grade_id = cell.metadata.nbgrader.get("grade_id", "")
        source = strip_hidden_tests(cell.source, *hidden_delimiters)
        if grade_id not in gradebook_points:
            warnings.append(f"TrustedGrades: test cell {grade_id!r} is not in the gradebook; it is not graded")
            cells.append(CellGrade(index, grade_id, CellKind.NOT_IN_GRADEBOOK, source))
            continue
        part = part_for_grade_id(grade_id, test_cell_prefix)
        if part not in parts:
            raise GraderError(f"TrustedGrades: test cell {grade_id!r} needs hidden graders marked part({part!r}) in "
                              f"{graders_dir}; the graders define parts {sorted(parts)}")
        if part in scored:
            raise GraderError(f"TrustedGrades: two test cells map to part {part!r}; use one cell per part")
        scored.add(part)
        got, graders_max = parts[part]
        recorded = gradebook_points[grade_id]
        if part in bonus_parts:
            credit = cell_score(got, graders_max, graders_max)
            cells.append(CellGrade(index, grade_id, CellKind.EXTRA_CREDIT, source,
                                   feedback=part_feedback(report, part, credit, graders_max, extra_credit=True),
                                   extra_credit=credit, gradebook_points=recorded))
            continue
        if graders_max != recorded:
            warnings.append(f"TrustedGrades: part {part!r} is worth {graders_max:g} in the graders but {recorded:g} "
                            "in the gradebook; scaling")
        score = cell_score(got, graders_max, recorded)
        feedback = notes + part_feedback(report, part, score, recorded)
        notes = ""  # shown once, above the first scored part
        cells.append(CellGrade(index, grade_id, CellKind.SCORED, source, points=recorded, score=score,
                               feedback=feedback, gradebook_points=recorded))
    for part in sorted(set(parts) - scored - {"grader"}):
        warnings.append(f"TrustedGrades: part {part!r} has graders but no test cell; nbgrader does not count it")
    return GradesPlan(cells=tuple(cells), withhold_unread=not readable, warnings=tuple(warnings))
