"""The course's zip_collect regex, applied by nbgrader's own FileNameCollectorPlugin to Canvas file names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets.config.loader import PyFileConfigLoader

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def collector() -> FileNameCollectorPlugin:
    os.environ["AUTOGRADER_READING_CONFIG"] = "1"  # the settings only, no gradebook
    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    finally:
        del os.environ["AUTOGRADER_READING_CONFIG"]
    return FileNameCollectorPlugin(config=config)


@pytest.mark.parametrize("name, student, file_id", [
    ("doejane_2001_9001_celoss.ipynb", "2001", "celoss"),
    ("doejane_late_2001_9001_celoss.ipynb", "2001", "celoss"),
    ("doejane_2001_9001_celoss-1.ipynb", "2001", "celoss"),
    ("doejane_late_2001_9001_celoss-12.ipynb", "2001", "celoss"),
    ("obrien2_2006_9006_celoss.ipynb", "2006", "celoss"),
    ("latejoe_2007_9007_celoss.ipynb", "2007", "celoss"),  # a name that starts with "late"
    ("doejane_2001_9001_celoss_final.ipynb", "2001", "celoss_final"),  # nbgrader then warns: not the notebook name
])
def test_canvas_names_give_the_canvas_id_and_the_notebook(collector, name, student, file_id):
    found = collector.collect(f"/course/downloaded/celoss_v2/extracted/{name}")
    assert found is not None and (found["student_id"], found["file_id"]) == (student, file_id)


@pytest.mark.parametrize("name", ["doejane_2001_celoss.ipynb", "celoss.ipynb", "doejane_x1_9001_celoss.ipynb",
                                  "doejane_2001_9001_celoss.txt"])
def test_other_names_are_skipped(collector, name):
    assert collector.collect(f"/course/downloaded/celoss/extracted/{name}") is None
