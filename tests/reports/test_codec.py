"""The ScoreReport codec: what is written is what is read back, and nothing else passes for a report."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.reports.gradescope_json import (GRADER_ERROR_TEXT, REPORT_KEY, report_from_results, results_document,
                                        write_json_atomic)
from autograder.grading.outcome import Blame, GraderFailure, ScoreReport, TestOutcome
from autograder.grading.report_codec import SCHEMA_VERSION, ReportDecodeError, StaleReport, from_json, to_json
from autograder.reports.class_reports import read_results

UNICODE = "naïve Σ softmax → ∞ 🙂 עברית \x00 \u2028 \ud800"  # a lone surrogate and a NUL survive JSON too


def through_text(report: ScoreReport) -> ScoreReport:
    """Encode, serialise as a results file would be, parse, decode."""
    return from_json(json.loads(json.dumps(to_json(report), allow_nan=False)))


def every_field_report() -> ScoreReport:
    return ScoreReport(
        assignment="celoss",
        submission=f"s-{UNICODE}",
        sha256="f" * 64,
        seed=2**63 - 1,
        isolation="process",
        grader_version="0.1.0+abcdef012345",
        tests=(
            TestOutcome(name="test_forward.py::test_small", part="forward", title="loss on small inputs",
                        points=2.0, max_points=2.0, passed=True, duration=0.012345678901234567),
            TestOutcome(name="test_forward.py::test_big[1e4]", part="stability", title=UNICODE, points=0.0,
                        max_points=3.0, message="got nan, expected 10000.0\nHow to fix it: subtract each row's max.",
                        bugs=("no-max-shift", "log-of-softmax"), tags=("slow", UNICODE), visibility="hidden",
                        duration=5e-324),
            TestOutcome(name="test_backward.py::test_raises", part="backward", max_points=1.5,
                        message="CELoss.backward raised NotImplementedError", bugs=("not-implemented",),
                        blame=Blame.STUDENT, visibility="after_due_date", duration=1e9),
            TestOutcome(name="test_backward.py::test_grader_bug", part="backward", max_points=1.0,
                        message="grader error: Traceback ... KeyError: 'missing'", blame=Blame.GRADER),
            TestOutcome(name="test_ext.py::test_weight", part="extension", title="weight", points=0.25,
                        max_points=0.25, passed=True, bonus=True, duration=0.1 + 0.2),
        ),
        grader_failures=(GraderFailure("graders/test_broken.py", "ImportError: no module named nothing"),),
        notes=("cell 3 raised NameError: name 'np' is not defined (the cells after it still ran)", UNICODE),
        execution_time=1.2345678901234567,
        student_id="erin@example.edu",
        source_path="/tmp/submitted/erin/celoss.ipynb",
    )


def test_a_report_with_every_field_and_edge_comes_back_equal():
    report = every_field_report()
    assert through_text(report) == report
    assert from_json(to_json(report)) == report


def test_what_the_old_readback_lost_now_survives():
    back = through_text(every_field_report())
    assert [t.blame for t in back.tests][2:4] == [Blame.STUDENT, Blame.GRADER]
    assert back.tests[3].message == "grader error: Traceback ... KeyError: 'missing'"
    assert back.tests[3].message != GRADER_ERROR_TEXT
    assert [t.duration for t in back.tests][:2] == [0.012345678901234567, 5e-324]
    assert back.execution_time == 1.2345678901234567
    assert back.grader_failures == every_field_report().grader_failures


def test_an_empty_report_and_missing_optionals_come_back_equal():
    bare = ScoreReport(assignment="", submission="", sha256="", seed=0, isolation="none", grader_version="", tests=())
    assert through_text(bare) == bare


def test_the_results_file_embeds_the_report_and_keeps_gradescopes_fields(tmp_path):
    report = every_field_report()
    write_json_atomic(tmp_path / "erin.json", results_document(report))
    document = json.loads((tmp_path / "erin.json").read_text())
    assert report_from_results(document) == report
    assert document["extra_data"][REPORT_KEY]["schema_version"] == SCHEMA_VERSION
    assert {"score", "max_score", "execution_time", "output", "visibility", "stdout_visibility", "tests"} <= set(document)
    big = document["tests"][1]
    assert big["tags"] == ["bug:no-max-shift", "bug:log-of-softmax", "slow", UNICODE, "part:stability"]
    assert document["tests"][3]["output"] == GRADER_ERROR_TEXT
    assert document["extra_data"]["diagnoses"] == ["log-of-softmax", "no-max-shift", "not-implemented"]
    assert document["extra_data"]["grader_errors"] == [
        "test_backward.py::test_grader_bug: grader error: Traceback ... KeyError: 'missing'",
        "graders/test_broken.py: ImportError: no module named nothing",
    ]
    assert read_results(tmp_path).reports == (report,)


def test_reading_back_trusts_only_the_embedded_report(tmp_path):
    report = every_field_report()
    document = results_document(report)
    document["score"], document["tests"][0]["output"] = 999, "edited"
    assert report_from_results(document) == report


def test_a_results_file_from_before_the_codec_is_stale_and_says_so(tmp_path):
    old = results_document(every_field_report())
    del old["extra_data"][REPORT_KEY]
    (tmp_path / "old.json").write_text(json.dumps(old))
    with pytest.raises(StaleReport) as raised:
        report_from_results(old)
    assert str(raised.value) == (
        f"written by an autograder without schema versions; this autograder reads schema version {SCHEMA_VERSION}: "
        "regrade it"
    )
    folder = read_results(tmp_path)
    assert folder.reports == () and [s.path.name for s in folder.stale] == ["old.json"]
    assert "regrade it" in folder.stale[0].reason


def test_another_schema_version_is_stale():
    future = to_json(every_field_report()) | {"schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(StaleReport, match=f"schema version {SCHEMA_VERSION + 1}"):
        from_json(future)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.pop("seed"), "report has no 'seed'"),
    (lambda d: d.update(seed="7"), "report.seed should be an integer, not '7'"),
    (lambda d: d.update(seed=True), "report.seed should be an integer, not True"),
    (lambda d: d.update(surplus=1), "report has unknown keys ['surplus']"),
    (lambda d: d["tests"][0].update(blame="nobody"), "tests[0].blame is 'nobody'"),
    (lambda d: d["tests"][0].update(tags=["bug:sneaky"]), "put bug ids in `bugs`"),
    (lambda d: d["tests"][1].update(points=1e999), "tests[1].points should be a finite number"),
    (lambda d: d["tests"][1].update(points=10**400), "tests[1].points should be a finite number"),
    (lambda d: d["tests"][1].update(bugs=[1]), "tests[1].bugs[0] should be a string, not 1"),
    (lambda d: d["tests"][1].update(passed=0), "tests[1].passed should be true or false, not 0"),
    (lambda d: d["tests"].append([]), "tests[5] should be a JSON object, not list"),
    (lambda d: d["grader_failures"][0].pop("message"), "grader_failures[0] has no 'message'"),
    (lambda d: d.update(notes="one note"), "report.notes should be a list"),
])
def test_a_damaged_document_is_refused_with_the_field_named(damage, message):
    document = json.loads(json.dumps(to_json(every_field_report())))
    damage(document)
    with pytest.raises(ReportDecodeError) as raised:
        from_json(document)
    assert message in str(raised.value)
    assert not isinstance(raised.value, StaleReport)


def test_a_damaged_results_file_is_listed_not_fatal(tmp_path):
    good = every_field_report()
    write_json_atomic(tmp_path / "good.json", results_document(good))
    damaged = results_document(good)
    damaged["extra_data"][REPORT_KEY]["tests"] = "none"
    write_json_atomic(tmp_path / "damaged.json", damaged)
    (tmp_path / "truncated.json").write_text('{"tests": [')
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "failures.json").write_text('{"failures": []}')
    folder = read_results(tmp_path)
    assert folder.reports == (good,)
    assert {s.path.name: s.reason.split(":")[0] for s in folder.stale} == {
        "damaged.json": "damaged results file", "truncated.json": "not readable as JSON",
        "deep.json": "not readable as JSON"}


def test_a_value_json_cannot_hold_is_refused_when_writing():
    broken = replace(every_field_report(), execution_time=math.nan)
    with pytest.raises(ValueError, match="execution_time is nan"):
        to_json(broken)


def test_bug_ids_have_one_home():
    with pytest.raises(ValueError, match="put bug ids in `bugs`"):
        TestOutcome(name="t", part="p", tags=("bug:no-max-shift",))
    with pytest.raises(ValueError, match="carry no 'bug:' prefix"):
        TestOutcome(name="t", part="p", bugs=("bug:no-max-shift",))
    assert TestOutcome(name="t", part="p", blame="student").blame is Blame.STUDENT


texts = st.text(st.characters(exclude_categories=()) | st.characters(categories=["Cs"]), max_size=20)  # lone surrogates too


def reports(floats):
    outcomes = st.builds(
        TestOutcome, name=texts, part=texts, title=texts, points=floats, max_points=floats, passed=st.booleans(),
        message=texts, bugs=st.lists(texts.filter(lambda t: not t.startswith("bug:")), max_size=3).map(tuple),
        tags=st.lists(texts.filter(lambda t: not t.startswith("bug:")), max_size=3).map(tuple),
        visibility=st.sampled_from(["visible", "hidden", "after_due_date", "after_published"]) | texts,
        bonus=st.booleans(), blame=st.sampled_from(Blame), duration=floats,
    )
    return st.builds(
        ScoreReport, assignment=texts, submission=texts, sha256=texts, seed=st.integers(), isolation=texts,
        grader_version=texts, tests=st.lists(outcomes, max_size=5).map(tuple),
        grader_failures=st.lists(st.builds(GraderFailure, name=texts, message=texts), max_size=2).map(tuple),
        notes=st.lists(texts, max_size=3).map(tuple), execution_time=floats,
        student_id=st.none() | texts, source_path=st.none() | texts,
    )


@settings(max_examples=300, deadline=None)
@given(reports(st.floats(allow_nan=False, allow_infinity=False)))
def test_any_report_survives_the_round_trip(report):
    assert through_text(report) == report


@settings(max_examples=100, deadline=None)
@given(reports(st.floats(min_value=-1e6, max_value=1e6)))  # sums of points must stay finite for Gradescope's fields
def test_any_report_survives_a_results_file(report):
    assert report_from_results(json.loads(json.dumps(results_document(report), allow_nan=False))) == report
