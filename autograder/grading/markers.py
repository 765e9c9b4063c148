"""The graders' side of the engine: `expect` a check, and the markers a hidden test may carry.

A hidden grader is an ordinary pytest test. It takes the fixtures `student` (the sandboxed
submission), `reference` (the model answer, a trusted module), `rng` (a numpy Generator seeded
per submission and per test) and `seed`, runs checks and passes their results to `expect`:

    @pytest.mark.points(1)
    @pytest.mark.part("forward")
    def test_loss_matches_reference(student, reference, rng):
        x, y = logits(rng, n=7, c=5)
        expect(parity.compare_loss(student.CELoss.forward(x, y), reference.CELoss.forward(x, y)))

`expect` fails the test with the check's teaching message, never a traceback. A `StudentError`
raised by a call into the sandbox (an exception, a timeout, a refused value) fails the test the
same way. Any other exception is a grader error: reported to the instructor, never scored.
"""

from __future__ import annotations

from autograder.checks.result import CheckResult

PARTS_MARKER = "part"
POINTS_MARKER = "points"
VISIBILITY_MARKER = "visibility"
MARKERS = (
    "points(n): how many points the test is worth",
    "part(name, bonus=False): the rubric part the test belongs to; bonus parts add beyond max score",
    "visibility(kind): Gradescope visibility: visible, hidden, after_due_date, after_published",
)


class CheckFailed(AssertionError):
    """Raised by `expect`; the engine turns it into a failed test carrying the check's message and tag."""

    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__(result.message)


def expect(result: CheckResult) -> CheckResult:
    if not result.passed:
        raise CheckFailed(result)
    return result
