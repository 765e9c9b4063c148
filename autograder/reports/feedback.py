"""Per-student feedback in Markdown: score per part, each test's teaching message, notes; nothing hidden."""

from __future__ import annotations

from pathlib import Path

from autograder.reports.gradescope_json import GRADER_ERROR_TEXT, GRADER_FAILURE_TEXT
from autograder.grading.outcome import Blame, ScoreReport, TestOutcome
from autograder.reports.common import file_stem, student_name, test_label, write_text_atomic

HIDDEN_TEXT = "Details of this test are not shown."


def write_feedback_file(report: ScoreReport, feedback_dir: Path) -> Path:
    """Write one student's `feedback_dir/<student>.md` (the folder must exist)."""
    return write_text_atomic(feedback_dir / f"{file_stem(report)}.md", feedback_markdown(report))


def feedback_markdown(report: ScoreReport) -> str:
    """The student's view of one report. Only messages written for students appear; grader errors are
    replaced by a fixed sentence, and tests marked `hidden` show their points but not their message."""
    lines = [f"# {report.assignment}: feedback for {student_name(report)}", ""]
    lines.append(f"**Score: {report.score:g} / {report.max_score:g}**" + _bonus_text(report))
    lines += ["", "| Part | Points |", "|---|---|"]
    for part, (got, most) in report.part_scores().items():
        lines.append(f"| {_cell(part)} | {got:g} / {most:g} |")
    if report.diagnoses:
        lines += ["", "Likely misconceptions found: " + ", ".join(f"`{bug}`" for bug in report.diagnoses)]
    lines += ["", "## Tests", ""]
    for test in report.tests:
        lines += _test_section(test)
    if report.grader_failures:
        lines += [GRADER_FAILURE_TEXT, ""]
    if report.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in report.notes] + [""]
    if report.isolation == "process":
        lines += ["_Graded without namespace isolation._", ""]
    lines.append(f"<sub>submission {report.submission} · sha256 {report.sha256[:12]} · grader {report.grader_version}</sub>")
    return "\n".join(lines) + "\n"


def _test_section(test: TestOutcome) -> list[str]:
    mark = "passed" if test.passed else ("not scored" if test.blame is Blame.GRADER else "failed")
    heading = f"### {test_label(test)} — {test.points:g} / {test.max_points:g} ({mark})"
    if test.bonus:
        heading += " · bonus"
    if test.blame is Blame.GRADER:
        body = GRADER_ERROR_TEXT
    elif test.visibility == "hidden":
        body = HIDDEN_TEXT
    else:
        body = test.message or "Passed."
    return [heading, "", _fenced(body), ""]


def _fenced(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _bonus_text(report: ScoreReport) -> str:
    bonus = sum(t.points for t in report.tests if t.bonus and t.blame is not Blame.GRADER)
    return f" (including {bonus:g} bonus)" if bonus else ""
