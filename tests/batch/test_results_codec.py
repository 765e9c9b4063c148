"""The batch writes real `ScoreReport`s with the one codec, keeps only their marks, and regrades stale files."""

from __future__ import annotations

import json

from autograder.batch.run import grade_batch
from autograder.submission.collect import find_submissions
from autograder.reports.gradescope_json import REPORT_KEY
from autograder.reports.class_reports import read_results

from .conftest import CORRECT, NAIVE, run_cli


def _class(folder):
    folder.mkdir()
    (folder / "alice.py").write_text(CORRECT)
    (folder / "bob.py").write_text(NAIVE)
    return list(find_submissions([folder]).files)


def test_the_marks_match_the_reports_read_back_and_stale_files_are_regraded(celoss, tmp_path):
    sources, out = _class(tmp_path / "class"), tmp_path / "out"
    first = grade_batch(celoss, sources, out, jobs=2)
    assert not first.failures and {i.source.name: i.mark.score for i in first.items} == {"alice": 10.0, "bob": 7.0}
    by_name = {r.submission: r for r in read_results(out).reports}
    assert {name: r.score for name, r in by_name.items()} == {"alice": 10.0, "bob": 7.0}
    assert all(t.duration > 0 for t in by_name["alice"].tests)  # durations survive the codec

    old = json.loads((out / "bob.json").read_text())
    del old["extra_data"][REPORT_KEY]  # as written before the codec existed
    (out / "bob.json").write_text(json.dumps(old))
    again = grade_batch(celoss, sources, out, jobs=1)
    assert {item.source.name: item.skipped for item in again.items} == {"alice": True, "bob": False}
    assert {r.submission: r for r in read_results(out).reports}["alice"] == by_name["alice"]
    assert {r.submission for r in read_results(out).reports} == {"alice", "bob"} and not read_results(out).stale


def test_autograder_report_names_a_stale_file_and_reports_the_rest(celoss, tmp_path):
    sources, out = _class(tmp_path / "class"), tmp_path / "out"
    grade_batch(celoss, sources, out, jobs=2)
    old = json.loads((out / "alice.json").read_text())
    old["extra_data"][REPORT_KEY]["schema_version"] = 0
    (out / "alice.json").write_text(json.dumps(old))
    done = run_cli("report", str(out))
    assert done.returncode == 0, done.stderr
    assert f"skipped {out / 'alice.json'}: written by schema version 0; " in done.stderr
    assert "1 students" in done.stdout
    html = (out / "report.html").read_text()
    assert "bob" in html and "alice" not in html


def test_a_results_file_copied_under_another_name_is_not_reused(celoss, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(CORRECT)
    (folder / "alice_copy.py").write_text(CORRECT)  # the same bytes, so the same sha256 and seed
    sources, out = list(find_submissions([folder]).files), tmp_path / "out"
    grade_batch(celoss, sources, out, jobs=2)
    (out / "alice_copy.json").write_text((out / "alice.json").read_text())
    again = grade_batch(celoss, sources, out, jobs=1)
    assert {item.source.name: item.skipped for item in again.items} == {"alice": True, "alice_copy": False}
    assert sorted(r.submission for r in read_results(out).reports) == ["alice", "alice_copy"]


def test_a_report_json_cannot_hold_fails_alone_and_writes_nothing(celoss, tmp_path):
    from dataclasses import replace

    from autograder.batch.run import Job, _record
    from autograder.batch.pool import TaskDone

    source = _class(tmp_path / "class")[0]
    grade_batch(celoss, [source], tmp_path / "out", jobs=1)
    report = read_results(tmp_path / "out").reports[0]
    graded = _record(Job(source, report.sha256, 0), TaskDone(0, replace(report, execution_time=float("nan"))),
                     tmp_path / "elsewhere")
    assert graded.failure == ("the results could not be written: cannot write a ScoreReport whose execution_time "
                              "is nan: JSON has no such number")
    assert not (tmp_path / "elsewhere" / f"{source.name}.json").exists()


def test_a_results_file_of_any_damage_is_regraded_not_fatal(tmp_path):
    from autograder.batch.run import up_to_date_report

    source = _class(tmp_path / "class")[0]
    for damage in (b"", b"[" * 100_000, b'{"extra_data": {"score_report": {"schema_version": 1}}}', b"null", b"\xff\xfe"):
        (tmp_path / "r.json").write_bytes(damage)
        assert up_to_date_report(tmp_path / "r.json", source, "a" * 64, "v") is None
