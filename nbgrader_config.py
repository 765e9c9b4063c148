"""nbgrader settings: this repository is the course, solutions/ holds the sources, assignments/ the releases."""

from pathlib import Path

c = get_config()  # noqa: F821 -- nbgrader defines get_config() when it loads this file

COURSE_ROOT = Path(__file__).resolve().parent

# Course layout. Paths are relative to the root, which is wherever this file lives, so a copy of the
# course (for instance in a temporary folder) works without edits.
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.course_id = "celoss-course"
c.CourseDirectory.source_directory = "solutions"  # instructor notebooks, with solutions and hidden tests
c.CourseDirectory.release_directory = "assignments"  # what `nbgrader generate_assignment` writes; committed
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"  # gitignored

# nbgrader copies every file of solutions/<name>/ into the release; instructor notes must stay behind.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "README.md"]

# Autograding settings (preprocessors and the like) go below this line.

# --- Trusted grading (autograder/nbgrader_plugin.py) ---------------------------------------------------
# `nbgrader autograde` never runs a submission in a Jupyter kernel here: `TrustedGrades` takes the place of
# nbgrader's Execute, grades the submitted file with the sandboxed engine (exactly as `autograder grade`
# does) and writes each test cell's output, so the gradebook stores the engine's per-part scores. Test cell
# grade_id = part name of the hidden graders (graders/<assignment>/). It also removes the hidden-
# test region from the autograded notebook, so `nbgrader generate_feedback` cannot show it.
# Deleted test cells are added back (RestoreMissingCells works around an nbgrader 0.9.6 crash there) and
# scored like any other; edited locked cells and changed points are restored from the gradebook.
from autograder.nbgrader_plugin import autograde_preprocessors, sanitize_preprocessors  # noqa: E402

c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.OverwriteCells.add_missing_cells = True
