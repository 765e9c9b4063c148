"""Read back the `ScoreReport`s of a results folder, for `autograder report DIR` and the reports of a resumed batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.reports.gradescope_json import report_from_results
from autograder.grading.outcome import ScoreReport
from autograder.grading.report_codec import ReportDecodeError, StaleReport


@dataclass(frozen=True)
class StaleResult:
    """A results file that could not be read back as a report of this schema; regrading replaces it."""

    path: Path
    reason: str


@dataclass(frozen=True)
class ResultsFolder:
    """What a results folder holds: the reports read back, and the results files that could not be."""

    reports: tuple[ScoreReport, ...]
    stale: tuple[StaleResult, ...] = ()


def read_results(out_dir: Path, names: set[str] | None = None) -> ResultsFolder:
    """Every `out_dir/<name>.json` results file (only `names`, if given); JSON that is no results file is ignored.

    A results file written under another schema, or damaged, is listed in `stale` with the reason.
    """
    reports, stale = [], []
    for item in iter_results(out_dir, names):
        (stale if isinstance(item, StaleResult) else reports).append(item)
    return ResultsFolder(tuple(reports), tuple(stale))


def iter_results(out_dir: Path, names: set[str] | None = None) -> Iterator[ScoreReport | StaleResult]:
    """The reports of `read_results` one at a time, in file-name order, so a caller holds one at once."""
    for path in sorted(Path(out_dir).glob("*.json")):
        if names is not None and path.stem not in names:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as error:  # RecursionError: nested too deep to parse
            yield StaleResult(path, f"not readable as JSON: {error}")
            continue
        if not is_results_document(document):
            continue
        try:
            yield report_from_results(document)
        except StaleReport as error:
            yield StaleResult(path, str(error))
        except ReportDecodeError as error:
            yield StaleResult(path, f"damaged results file: {error}; regrade it")


def load_results(out_dir: Path, names: set[str] | None = None) -> list[ScoreReport]:
    """The reports of `read_results`, without the list of stale files."""
    return list(read_results(out_dir, names).reports)


def is_results_document(document: object) -> bool:
    """Shaped like a Gradescope results document (whatever its schema), as opposed to failures.json, say."""
    return isinstance(document, dict) and isinstance(document.get("tests"), list) and "extra_data" in document
