"""Why a submission lost points before any check could judge it: load errors, syntax errors, time limits."""

from __future__ import annotations

import re

from autograder.grading.outcome import ScoreReport

CELL_RAISED = re.compile(r"^cell (?P<cell>\d+) raised (?P<type>[A-Za-z_][\w.]*): (?P<message>.*?)(?: \(the cells after it still ran\))?$",
                         re.S)
TIME_LIMIT = ("took more than", "timed out", "time limit")


def submission_problems(report: ScoreReport) -> tuple[str, ...]:
    """Short labels, in order, such as "syntax error in cell 1: '(' was never closed" or "time limit: ..."."""
    problems: list[str] = []
    for note in report.notes:
        match = CELL_RAISED.match(note)
        if match:
            kind = "syntax error" if match["type"] in ("SyntaxError", "IndentationError", "TabError") else "load error"
            problems.append(f"{kind} in cell {match['cell']}: {match['type']}: {_short(match['message'])}")
        elif any(marker in note for marker in TIME_LIMIT):
            problems.append(f"time limit: {_short(note)}")
        elif "crashed" in note:
            problems.append(f"crashed: {_short(note)}")
        elif report.isolation == "none":
            problems.append(f"unreadable: {_short(note)}")
    if not any(p.startswith("time limit") for p in problems):
        timed_out = [t for t in report.tests if not t.passed and any(m in t.message for m in ("took more than",))]
        if timed_out:
            problems.append(f"time limit: {len(timed_out)} test(s) ran out of time")
    return tuple(dict.fromkeys(problems))


def _short(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
