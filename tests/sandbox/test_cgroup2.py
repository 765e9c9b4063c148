"""The memory and process caps hold through the cgroup2 backend too (AUTOGRADER_CGROUP_BACKEND=cgroup2), in every tier.

Skipped, with the reason, where the cgroup2 hierarchy cannot have the memory and pids controllers at
all because this machine binds them to cgroup v1 (a hybrid layout): that is a fact of the machine, so
it skips under CI=true too. Where cgroup2 has them but no sandbox cgroup can be made, CI fails.
"""

from __future__ import annotations

import os

import pytest

from autograder.sandbox import cgroups
from .test_limits import test_process_limit, test_the_whole_sandbox_has_one_memory_cap  # noqa: F401  (rerun)


pytestmark = pytest.mark.usefixtures("cgroup2_backend")


@pytest.fixture
def cgroup2_backend(monkeypatch):
    mount = cgroups.cgroup2_mount()
    controllers = set((mount / "cgroup.controllers").read_text().split()) if mount else set()
    if not {"memory", "pids"} <= controllers:
        pytest.skip(f"cgroup2 has no memory and pids controllers on this machine (at {mount}: "
                    f"{' '.join(sorted(controllers)) or 'none'}); they are bound to cgroup v1")
    monkeypatch.setenv(cgroups.BACKEND_ENV, "cgroup2")
    reason = cgroups.unavailable_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cgroup2 backend unavailable in CI: {reason}")
        pytest.skip(f"cgroup2 backend unavailable: {reason}")


def test_the_forced_backend_makes_cgroup2_groups():
    group = cgroups.create(memory_bytes=64 * 2**20, processes=4)
    try:
        assert len(group.directories) == 1 and (group.directories[0] / "memory.max").read_text().strip() == str(64 * 2**20)
        assert cgroups.cgroup2_mount() in group.directories[0].parents
    finally:
        group.remove()

