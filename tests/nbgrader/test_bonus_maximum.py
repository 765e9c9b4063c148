"""The bonus part is extra credit from the first `nbgrader generate_assignment`, not only after autograde."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.runner import bonus_parts
from tests.nbgrader.test_readme_course import NAME, REPO, fresh_course, run

pytestmark = pytest.mark.slow


def maxima(root: Path) -> tuple[float, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as book:
        assignment = book.find_assignment(NAME)
        cells = {cell.name: float(cell.max_score) for cell in book.find_notebook(NAME, NAME).grade_cells}
        return float(assignment.max_score), cells


def test_the_celoss_bonus_part_is_read_from_the_graders_markers():
    assert bonus_parts(REPO / "graders" / NAME) == {"extensions"}


def test_a_fresh_clone_and_a_regenerated_release_both_show_the_core_maximum(tmp_path):
    root = fresh_course(tmp_path)
    run(f"nbgrader generate_assignment {NAME}", root)  # a fresh clone: registered from the source notebook
    total, cells = maxima(root)
    assert total == 10 and cells["extensions"] == 0 and cells["forward"] > 0

    run(f"nbgrader generate_assignment {NAME} --force", root)  # the instructor regenerates the release
    total, cells = maxima(root)
    assert total == 10 and cells["extensions"] == 0
