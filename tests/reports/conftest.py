"""Fixtures for the report tests: a small hand-built class, so they need no sandbox and no graders."""

from __future__ import annotations

import pytest

from autograder.grading.outcome import ScoreReport
from .report_samples import make_report


@pytest.fixture
def class_reports() -> list[ScoreReport]:
    return [
        make_report("alice"),
        make_report("bob", {"forward::test_large_logits": "no-max-shift"}),
        make_report("carol", {"forward::test_large_logits": "log-of-softmax", "backward::test_gradient": "grad-sign"}),
        make_report("dave", {"forward::test_small": "sum-not-mean", "forward::test_large_logits": "no-max-shift"},
                    notes=("cell 3 raised NameError: name 'np' is not defined (the cells after it still ran)",)),
        make_report("erin", student_id="erin@example.edu", grader_error="backward::test_dout"),
        make_report("frank", hidden="backward::test_gradient"),
        make_report("<script>alert(1)</script>", {"extension::test_weight": "no-weight"}),
    ]
