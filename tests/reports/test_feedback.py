"""Feedback files: every part's score and every test's teaching message, and nothing the student must not see."""

from __future__ import annotations

from autograder.reports.gradescope_json import GRADER_ERROR_TEXT, results_document, write_json_atomic
from autograder.grading.outcome import Blame
from autograder.reports.class_reports import load_results, write_class_reports
from autograder.reports.feedback import HIDDEN_TEXT

from .report_samples import GRADER_TRACEBACK, SECRET_HIDDEN_MESSAGE


def test_one_file_per_student_with_scores_and_messages(class_reports, tmp_path):
    paths = write_class_reports(class_reports, tmp_path)
    assert len(paths.feedback_files) == len(class_reports)
    for report, path in zip(class_reports, paths.feedback_files):
        text = path.read_text()
        assert f"Score: {report.score:g} / {report.max_score:g}" in text
        for part, (got, most) in report.part_scores().items():
            assert f"| {part} | {got:g} / {most:g} |" in text
        for test in report.tests:
            if test.message and test.visibility != "hidden" and test.blame is Blame.NONE:
                assert test.message in text
        for note in report.notes:
            assert note in text


def test_hidden_messages_and_grader_errors_never_reach_the_student(class_reports, tmp_path):
    paths = write_class_reports(class_reports, tmp_path)
    texts = {path.stem: path.read_text() for path in paths.feedback_files}
    everything = "".join(texts.values())
    assert SECRET_HIDDEN_MESSAGE not in everything and GRADER_TRACEBACK not in everything
    assert HIDDEN_TEXT in texts["frank"]
    assert GRADER_ERROR_TEXT in texts["erin_example.edu"]


def test_feedback_shows_no_grader_source(class_reports, tmp_path):
    from autograder.course.assignment import load_assignment

    everything = "".join(p.read_text() for p in write_class_reports(class_reports, tmp_path).feedback_files)
    for source in load_assignment("celoss").graders_dir.rglob("test_*.py"):
        for line in source.read_text().splitlines():
            if len(line.strip()) > 40 and not line.strip().startswith(("#", '"""', "def ", "@")):
                assert line.strip() not in everything


def test_reports_rebuilt_from_results_files_are_the_same(class_reports, tmp_path):
    for index, report in enumerate(class_reports):
        write_json_atomic(tmp_path / f"s{index}.json", results_document(report))
    (tmp_path / "failures.json").write_text('{"failures": []}')
    rebuilt = sorted(load_results(tmp_path), key=lambda r: r.submission)
    assert rebuilt == sorted(class_reports, key=lambda r: r.submission)
