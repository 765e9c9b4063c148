"""Suite-wide setup: the graders folder on sys.path, the course secret made once, and the parallel schedule.

`make test` runs the suite on pytest-xdist workers with `--dist loadgroup` (README, "Running the tests in parallel"):
- a module whose tests share one expensive module-scoped setup (a course graded by nbgrader, a Debian
  root, a Dask cluster) is put in one xdist group, so one worker builds that setup once;
- the longest modules, then the other tests marked `slow`, are handed out first, so none starts last.
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

# The longest modules, longest first (measured on 2 cores): handed out before everything else.
LONGEST_FIRST = (
    "sandbox/test_container.py",
    "test_gradescope_setup.py",
    "nbgrader/test_readme_course.py",
    "nbgrader/test_end_to_end.py",
    "nbgrader/test_formgrader.py",
    "layers/test_frontends.py",
    "layers/test_recipe.py",
    "student/test_three_ways.py",
)


def pytest_configure(config):
    missing = [name for name in {*SHARED_SETUP_MODULES, *LONGEST_FIRST} if not (REPO / "tests" / name).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py names test modules that do not exist: {sorted(missing)}")
    # The course secret is made on first use; made here, before any worker starts, no two workers race to make it.
    from autograder.seeding import course_secret

    course_secret(REPO)


def _module(item) -> str | None:
    path = Path(str(item.path)).resolve()
    return path.relative_to(REPO / "tests").as_posix() if path.is_relative_to(REPO / "tests") else None


def _dispatch_order(item) -> tuple[int, int]:
    module = _module(item)
    if module in LONGEST_FIRST:
        return 0, LONGEST_FIRST.index(module)
    return (1 if item.get_closest_marker("slow") else 2), 0


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns xdist_group marks into scheduling groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = _module(item)
        if module in SHARED_SETUP_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))
    if hasattr(config, "workerinput"):  # an xdist worker: the order in which the controller hands tests out
        items.sort(key=_dispatch_order)  # stable: each module keeps its own order
