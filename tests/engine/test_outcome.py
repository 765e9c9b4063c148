"""ScoreReport arithmetic: bonus points, grader errors, and which bug tags count as diagnoses."""

from autograder.grading.outcome import Blame, ScoreReport, TestOutcome


def report(*tests):
    return ScoreReport(assignment="a", submission="s", sha256="0" * 64, seed=1, isolation="bubblewrap",
                       grader_version="v", tests=tests)


def test_bonus_points_add_to_the_score_but_not_to_the_maximum():
    scored = report(
        TestOutcome(name="core", part="forward", points=3, max_points=3, passed=True),
        TestOutcome(name="extra", part="extensions", points=2, max_points=2, passed=True, bonus=True),
        TestOutcome(name="broken", part="forward", points=0, max_points=1, blame=Blame.GRADER),
    )
    assert (scored.score, scored.max_score) == (5, 4)
    assert scored.part_scores() == {"forward": (3, 4), "extensions": (2, 2)}
    assert [t.name for t in scored.grader_errors] == ["broken"]


def test_an_unattempted_bonus_part_is_not_a_diagnosis_but_a_core_stub_is():
    skipped_bonus = report(
        TestOutcome(name="extra", part="extensions", max_points=2, bugs=("not-implemented",), bonus=True),
        TestOutcome(name="big", part="stability", max_points=1, bugs=("no-max-shift",)),
        TestOutcome(name="huge", part="stability", max_points=1, bugs=("no-max-shift",)),
        TestOutcome(name="sum", part="forward", max_points=1, bugs=("sum-not-mean",)),
    )
    assert skipped_bonus.diagnoses == ("no-max-shift", "sum-not-mean")
    stub = report(TestOutcome(name="core", part="forward", max_points=3, bugs=("not-implemented",)))
    assert stub.diagnoses == ("not-implemented",)
