"""Suite-wide setup: the graders folder on sys.path, the course secret made once, and the parallel schedule.

`make test` runs the suite on pytest-xdist workers with `--dist loadscope` (README, "Running the tests in
parallel"): each module runs whole on one worker, so a module-scoped setup (a course graded by nbgrader,
a Debian root, a Dask cluster) is built once. The longest modules, then the other modules with tests
marked `slow`, are handed out first, so none of them starts last.
"""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GRADERS_ROOT = REPO / "graders"
if str(GRADERS_ROOT) not in sys.path:
    sys.path.insert(0, str(GRADERS_ROOT))

# The longest modules on this 2-core machine, longest first: handed out before everything else. The seconds are
# each module's time on its worker, the mean of two whole `make test` runs (four workers, cores fully busy):
# in-process grading and corpus runs on many seeds lead, then the sandbox attacks and the nbgrader courses.
LONGEST_FIRST = (
    "graders/test_graders_inprocess.py",  # 278 s
    "test_corpus.py",  # 211 s
    "layers/test_corpus.py",  # 158 s
    "sandbox/test_attacks.py",  # 147 s
    "nbgrader/test_readme_course.py",  # 145 s
    "sandbox/test_front_ends.py",  # 141 s
    "nbgrader/test_end_to_end.py",  # 112 s
    "layers/test_frontends.py",  # 111 s
    "batch/test_nbgrader_hostile.py",  # 99 s
    "test_gradescope_setup.py",  # 96 s
    "sandbox/test_container.py",  # 90 s
    "layers/test_recipe.py",  # 72 s
    "sandbox/test_old_bubblewrap.py",  # 61 s
    "nbgrader/test_formgrader.py",  # 60 s
    "nbgrader/test_bonus_maximum.py",  # 60 s
    "student/test_three_ways.py",  # 53 s
    "layers/test_scaffold.py",  # 47 s
    "sandbox/test_limits.py",  # 45 s
    "test_release.py",  # 39 s
    "layers/test_release.py",  # 37 s
)


def pytest_configure(config):
    missing = [name for name in LONGEST_FIRST if not (REPO / "tests" / name).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py names test modules that do not exist: {sorted(missing)}")
    # The course secret is made on first use; made here, before any worker starts, no two workers race to make it.
    from autograder.course.seeding import course_secret

    course_secret(REPO)


def _module(item) -> str | None:
    path = Path(str(item.path)).resolve()
    return path.relative_to(REPO / "tests").as_posix() if path.is_relative_to(REPO / "tests") else None


def _dispatch_order(item, slow_modules: set) -> tuple[int, int]:
    module = _module(item)
    if module in LONGEST_FIRST:
        return 0, LONGEST_FIRST.index(module)
    return (1 if module in slow_modules else 2), 0


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: the order in which the controller hands modules out
        slow_modules = {_module(item) for item in items if item.get_closest_marker("slow")}
        items.sort(key=lambda item: _dispatch_order(item, slow_modules))  # stable: each module keeps its order
