"""Class reports written while a batch runs are the reports rebuilt from the results folder afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

import autograder.reports.class_reports as class_reports_module
from autograder.reports.class_reports import ClassReportWriter, write_directory_reports
from autograder.reports.gradescope_json import results_document, write_json_atomic


def _written(out: Path) -> dict[str, str]:
    """Every class report under `out` (grades.csv, report.html, each feedback file) by its relative path."""
    files = [out / "grades.csv", out / "report.html", *sorted((out / "feedback").glob("*.md"))]
    return {str(path.relative_to(out)): path.read_text() for path in files}


def _results_folder(reports, folder: Path) -> list[Path]:
    """Write each report's results file (named by its sha256: some submission names are not file names)."""
    paths = []
    for report in reports:
        path = folder / f"{report.sha256[-12:]}.json"
        write_json_atomic(path, results_document(report))
        paths.append(path)
    return paths


def test_streamed_reports_equal_the_reports_rebuilt_from_the_folder(class_reports, tmp_path):
    earlier, batch = class_reports[:3], class_reports[3:]
    for out in (tmp_path / "streamed", tmp_path / "rebuilt"):
        _results_folder(earlier, out)  # an earlier run's results, which the batch must keep in the reports
    (tmp_path / "streamed" / "damaged.json").write_text('{"tests": [], "extra_data": {"schema": 999}}')
    (tmp_path / "rebuilt" / "damaged.json").write_text('{"tests": [], "extra_data": {"schema": 999}}')

    writer = ClassReportWriter(tmp_path / "streamed")
    for report, path in zip(batch, _results_folder(batch, tmp_path / "streamed")):
        writer.add(report, path)
    streamed = writer.finish()
    _results_folder(batch, tmp_path / "rebuilt")
    rebuilt = write_directory_reports(tmp_path / "rebuilt")

    assert len(streamed.feedback_files) == len(class_reports) == len(rebuilt.feedback_files)
    assert [stale.path.name for stale in streamed.stale] == ["damaged.json"] == [s.path.name for s in rebuilt.stale]
    assert _written(tmp_path / "streamed") == _written(tmp_path / "rebuilt")


def test_a_feedback_file_that_fails_while_streaming_is_written_from_the_folder_at_the_end(
        class_reports, tmp_path, monkeypatch):
    write_feedback = class_reports_module.write_feedback_file
    failures = []

    def fails_once(report, folder):
        if not failures:
            failures.append(report.submission)
            raise OSError("No space left on device")
        return write_feedback(report, folder)

    monkeypatch.setattr(class_reports_module, "write_feedback_file", fails_once)
    writer = ClassReportWriter(tmp_path / "out")
    for report, path in zip(class_reports, _results_folder(class_reports, tmp_path / "out")):
        writer.add(report, path)
    paths = writer.finish()

    assert failures == [class_reports[0].submission]
    assert len(paths.feedback_files) == len(class_reports)
    assert len(list((tmp_path / "out" / "feedback").glob("*.md"))) == len(class_reports)
    monkeypatch.setattr(class_reports_module, "write_feedback_file", write_feedback)
    assert _written(tmp_path / "out") == _written_after_rebuild(class_reports, tmp_path / "again")


def _written_after_rebuild(reports, out: Path) -> dict[str, str]:
    _results_folder(reports, out)
    write_directory_reports(out)
    return _written(out)


def test_a_report_added_without_its_results_file_raises_its_failure(class_reports, tmp_path, monkeypatch):
    def full_disk(report, folder):
        raise OSError("No space left on device")

    monkeypatch.setattr(class_reports_module, "write_feedback_file", full_disk)
    with pytest.raises(OSError, match="No space left"):
        ClassReportWriter(tmp_path).add(class_reports[0])


def test_each_students_row_stores_the_names_every_row_repeats_once():
    """A class summary lives through the whole batch: 3,000 rows must not hold 3,000 copies of each test name."""
    import json
    import tracemalloc

    from autograder.reports.gradescope_json import report_from_results
    from autograder.reports.summary import ClassSummary

    from .report_samples import make_report

    document = json.dumps(results_document(make_report("alice", {"forward::test_small": "sum-not-mean"})))
    reports = [report_from_results(json.loads(document)) for _ in range(2000)]  # names decoded anew each time
    summary = ClassSummary()
    tracemalloc.start()
    try:
        for report in reports:
            summary.add(report, class_reports_module.StandingJudge().standing(report))
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    first, last = summary.rows[0], summary.rows[-1]
    assert all(a is b for a, b in zip(first.test_points, last.test_points))
    assert all(a is b for a, b in zip(first.part_scores, last.part_scores))
    assert held / len(reports) < 2500, f"{held / len(reports):.0f} bytes per student"
