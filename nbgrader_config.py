"""The course's one configuration file: nbgrader's settings and the autograder's (`c.Autograder.*`)."""

import os
from pathlib import Path

c = get_config()  # noqa: F821 -- nbgrader (and `autograder`) define get_config() when they load this file

COURSE_ROOT = Path(__file__).resolve().parent

# --- Course layout ----------------------------------------------------------------------------------------
# Paths are relative to the root, which is wherever this file lives, so a copy of the course (for instance
# in a temporary folder) works without edits.
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.course_id = "celoss-course"
c.CourseDirectory.source_directory = "solutions"  # instructor notebooks, with solutions and hidden tests
c.CourseDirectory.release_directory = "assignments"  # what `nbgrader generate_assignment` writes; committed
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"  # gitignored

# nbgrader copies every file of solutions/<name>/ into the release; instructor notes must stay behind.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "README.md"]

# --- Grading settings, read by `autograder grade`, `nbgrader autograde` and the Gradescope bundle -----------
c.Autograder.memory_mb = 1024  # address-space limit of a student's process
c.Autograder.cpu_seconds = 60  # CPU-time limit of a student's process
c.Autograder.wall_seconds = 60.0  # wall-clock limit for one whole submission
c.Autograder.jobs = 0  # submissions graded at once by `autograder grade` (0: one per core)
c.Autograder.isolation = "sandbox"  # bubblewrap, else the container tier; "process" (no sandbox) is an opt-in
c.Autograder.secret_file = ".autograder-secret"  # seeds hidden inputs; gitignored; share it with your TAs
c.Autograder.due_dates = {}  # e.g. {"celoss": "2026-12-08 23:59:00 UTC"}; late work is reported against it
c.LateSubmissionPlugin.penalty_method = "none"  # or "zero"; nbgrader and `autograder grade` both apply it
c.Autograder.roster_id_column = "ID"  # Canvas roster column holding the nbgrader student id (see zip_collect)

# --- Collecting Canvas downloads with stock `nbgrader zip_collect celoss` -------------------------------------
# Put Canvas's submissions.zip in downloaded/celoss/archive/. Canvas names each file
# lastfirst_ID_SUBID_file.ipynb, or lastfirst_late_ID_SUBID_file.ipynb, with "-1", "-2" ... appended to the
# file name for a resubmission; the student id becomes the Canvas user ID (the roster's "ID" column).
c.FileNameCollectorPlugin.named_regexp = (
    r"^.*/[^/_]+_(?:late_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)

# --- Trusted grading in nbgrader (autograder/frontends/nbgrader_plugin.py) -----------------------------------
# `nbgrader autograde` never runs a submission in a Jupyter kernel here: `TrustedGrades` takes the place of
# nbgrader's Execute, grades the submitted file with the sandboxed engine (exactly as `autograder grade`
# does) and writes each test cell's output, so the gradebook stores the engine's per-part scores. Test cell
# grade_id = part name of the hidden graders (graders/<assignment>/). A bonus part is extra credit. The
# hidden-test region is removed from the autograded notebook, so `nbgrader generate_feedback` cannot show it.
# Deleted test cells are added back (RestoreMissingCells works around an nbgrader 0.9.6 crash there) and
# scored like any other; edited locked cells and changed points are restored from the gradebook.
# `autograder` reads only the settings above, so it skips this part (and never touches the gradebook).
if not os.environ.get("AUTOGRADER_READING_CONFIG"):
    from autograder.nbgrader_plugin import autograde_preprocessors, generate_preprocessors, sanitize_preprocessors
    from autograder.nbgrader_register import register_missing_assignments

    c.GenerateAssignment.preprocessors = generate_preprocessors()  # a bonus cell is worth 0: extra credit
    c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
    c.OverwriteCells.add_missing_cells = True
    # A fresh clone has the committed release but no gradebook.db: register the assignments from solutions/.
    register_missing_assignments(c, COURSE_ROOT)
