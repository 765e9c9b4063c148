"""Suite-wide setup: the graders folder on sys.path, the course secret made once, and the parallel schedule.

`make test` runs the suite on pytest-xdist workers with `--dist loadgroup` (README, "Running the tests"):
- a module whose tests share one expensive module-scoped setup (a course graded by nbgrader, a Debian
  root, a Dask cluster) is put in one xdist group, so one worker builds that setup once;
- tests marked `slow` are handed out first, so the longest ones do not start last.
"""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GRADERS_ROOT = REPO / "graders"
if str(GRADERS_ROOT) not in sys.path:
    sys.path.insert(0, str(GRADERS_ROOT))

# Modules (relative to tests/) whose module-scoped fixture is costly: each runs whole on one worker.
SHARED_SETUP_MODULES = {
    "test_gradescope_setup.py": "setup.sh run once in a copy of the debootstrapped root",
    "test_release.py": "the celoss release rebuilt once with nbgrader",
    "batch/test_dask.py": "one local Dask cluster",
    "batch/test_gradescope_hostile.py": "every hostile bundle graded once",
    "batch/test_hostile_inputs.py": "the hostile class graded once by the CLI",
    "batch/test_nbgrader_hostile.py": "the hostile course autograded once by nbgrader",
    "layers/test_frontends.py": "the layers course autograded once by nbgrader, one Gradescope bundle",
    "layers/test_messages.py": "the corpus failures graded once and cached",
    "layers/test_recipe.py": "the recipe's course built once",
    "layers/test_release.py": "the layers release rebuilt once with nbgrader",
    "nbgrader/test_end_to_end.py": "the course autograded once by stock nbgrader, in the background",
    "nbgrader/test_formgrader.py": "one autograded course served by one formgrader",
    "nbgrader/test_readme_course.py": "the README's commands run once on one course copy",
    "reports/test_gradescope.py": "one Gradescope bundle",
    "student/test_three_ways.py": "one background `nbgrader validate` of every corpus entry",
}


def pytest_configure(config):
    missing = [name for name in SHARED_SETUP_MODULES if not (REPO / "tests" / name).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py SHARED_SETUP_MODULES names modules that do not exist: {missing}")
    # The course secret is made on first use; made here, before any worker starts, no two workers race to make it.
    from autograder.seeding import course_secret

    course_secret(REPO)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns xdist_group marks into scheduling groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.path)).resolve()
        module = path.relative_to(REPO / "tests").as_posix() if path.is_relative_to(REPO / "tests") else None
        if module in SHARED_SETUP_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))
    if hasattr(config, "workerinput"):  # an xdist worker: the order in which the controller hands tests out
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
