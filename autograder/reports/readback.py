"""Rebuild `ScoreReport`s from the results JSON files of a grading run, so reports can be remade on resume."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.gradescope_json import GRADER_ERROR_TEXT
from autograder.outcome import ScoreReport, TestOutcome


def load_results(out_dir: Path, names: set[str] | None = None) -> list[ScoreReport]:
    """Every `out_dir/<name>.json` in the Gradescope schema (only `names`, if given); other JSON is skipped."""
    reports = []
    for path in sorted(Path(out_dir).glob("*.json")):
        if names is not None and path.stem not in names:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if is_results_document(document):
            reports.append(report_from_document(document, source=path))
    return reports


def is_results_document(document: object) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("tests"), list)
        and isinstance(document.get("extra_data"), dict)
        and "sha256" in document["extra_data"]
    )


def report_from_document(document: dict, *, source: Path | None = None) -> ScoreReport:
    """The inverse of `gradescope_json.results_document`, as far as that document carries the facts."""
    extra = document["extra_data"]
    return ScoreReport(
        assignment=str(extra.get("assignment", "")),
        submission=str(extra.get("submission") or (source.stem if source else "submission")),
        sha256=str(extra.get("sha256", "")),
        seed=int(extra.get("seed") or 0),
        isolation=str(extra.get("isolation", "")),
        grader_version=str(extra.get("grader_version", "")),
        tests=tuple(_test_from_entry(entry) for entry in document["tests"]),
        notes=tuple(str(note) for note in extra.get("notes", ())),
        execution_time=float(document.get("execution_time") or 0.0),
        student_id=extra.get("student_id"),
        source_path=str(source) if source else None,
        extra={"submitted_at": str(extra["submitted_at"])} if extra.get("submitted_at") else {},
    )


def _test_from_entry(entry: dict) -> TestOutcome:
    tags = [str(tag) for tag in entry.get("tags", ())]
    part = next((tag.removeprefix("part:") for tag in tags if tag.startswith("part:")), "")
    label = str(entry.get("name", ""))
    title = label.removeprefix(f"{part}: ") if label.startswith(f"{part}: ") else ""
    output = str(entry.get("output", ""))
    passed = entry.get("status") == "passed"
    grader_failed = output == GRADER_ERROR_TEXT
    return TestOutcome(
        name=str(entry.get("number") or label),
        part=part,
        title=title,
        points=float(entry.get("score") or 0.0),
        max_points=float(entry.get("max_score") or 0.0),
        passed=passed,
        message="" if (passed and output == "Passed.") else output,
        tags=tuple(tag for tag in tags if not tag.startswith("part:") and tag != "bonus"),
        visibility=str(entry.get("visibility", "visible")),
        bonus="bonus" in tags,
        error="grader" if grader_failed else None,
    )
