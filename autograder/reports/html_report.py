"""report.html: a self-contained class report (inline CSS, charts as data URIs, no network at all)."""

from __future__ import annotations

import os
import statistics
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from autograder.reports.catalogue import bug_meanings
from autograder.reports.common import write_text_atomic
from autograder.reports.lateness import describe
from autograder.reports.plots import horizontal_bars, score_histogram
from autograder.reports.standing import FINAL_LABELS
from autograder.reports.summary import ClassSummary, StudentRow

# Nothing may be fetched: only inline styles and data: images are allowed, even if a message contained markup.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.summary span{display:inline-block;margin-right:1.5rem}.low{color:#b8483a;font-weight:600}
img{max-width:100%;height:auto}.muted{color:#777;font-size:.8rem}code{font-size:.85em}
"""


def write_html_report(summary: ClassSummary, path: Path, *, feedback_dir: Path | None = None) -> Path:
    return write_text_atomic(Path(path), class_report_html(summary, path=Path(path), feedback_dir=feedback_dir))


def class_report_html(summary: ClassSummary, *, path: Path | None = None, feedback_dir: Path | None = None) -> str:
    assignment = summary.assignment or "assignment"
    rows = summary.sorted_rows()
    body = [f"<h1>{escape(assignment)}: class report</h1>", _summary(rows)]
    if rows:
        body += [_histogram_section(rows), _problems_section(rows), _tests_section(summary),
                 _diagnoses_section(summary, assignment), _students_section(summary, rows, path, feedback_dir)]
    else:
        body.append("<p>No graded submissions.</p>")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = sorted(summary.grader_versions)
    body.append(f'<p class="muted">Generated {stamp} · grader {escape(", ".join(versions))}</p>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(assignment)} class report</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def _summary(rows: list[StudentRow]) -> str:
    if not rows:
        return ""
    scores = [r.score for r in rows]
    most = max(r.max_score for r in rows)
    full = sum(1 for r in rows if r.score >= r.max_score > 0)
    infra = sum(1 for r in rows if r.grader_errors)
    items = [
        f"<span>{len(rows)} submissions</span>",
        f"<span>mean {statistics.fmean(scores):.2f} / {most:g}</span>",
        f"<span>median {statistics.median(scores):g}</span>",
        f"<span>full marks: {full}</span>",
    ]
    if infra:
        items.append(f'<span class="low">grader errors in {infra} submission(s): not scored, see their feedback</span>')
    if any(r.isolation == "process" for r in rows):
        items.append('<span class="low">some submissions were graded without namespace isolation</span>')
    return f'<p class="summary">{"".join(items)}</p>'


def _histogram_section(rows: list[StudentRow]) -> str:
    most = max(r.max_score for r in rows)
    uri = score_histogram([r.score for r in rows], most)
    return f'<h2>Score distribution</h2><img id="score-histogram" alt="Histogram of scores" src="{uri}">'


def pass_rates(summary: ClassSummary) -> list[tuple[str, str, float, int]]:
    """(test name, label, pass rate, graded count) per test, over reports where the grader did not fail."""
    rows = []
    for name, label in summary.test_labels.items():
        graded = summary.graded[name]
        rows.append((name, label, summary.passed[name] / graded if graded else 0.0, graded))
    return rows


def _tests_section(summary: ClassSummary) -> str:
    rows = pass_rates(summary)
    if not rows:
        return ""
    uri = horizontal_bars([label for _, label, _, _ in rows], [rate for _, _, rate, _ in rows],
                          xlabel="fraction of submissions passing", xmax=1.15, percent=True)
    table = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(label)}</td>"
        f'<td class="num">{rate:.0%}</td><td class="num">{count}</td></tr>'
        for name, label, rate, count in rows
    )
    return (f'<h2>Pass rate per test</h2><img id="pass-rates" alt="Pass rate per test" src="{uri}">'
            f"<details><summary>as a table</summary><table><tr><th>test</th><th>title</th><th>pass rate</th>"
            f"<th>graded</th></tr>{table}</table></details>")


def diagnosis_counts(summary: ClassSummary, *, bonus: bool = False) -> list[tuple[str, int]]:
    """How many submissions show each bug id in the required tests (or, with `bonus`, in the bonus tests),
    most frequent first (ties alphabetical)."""
    counts = summary.bonus_bugs if bonus else summary.bugs
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _diagnoses_section(summary: ClassSummary, assignment: str, top: int = 15) -> str:
    counts = diagnosis_counts(summary)[:top]
    bonus = diagnosis_counts(summary, bonus=True)
    bonus_line = ("<p>In the bonus tests: " + ", ".join(f"<code>bug:{escape(b)}</code> ({n})" for b, n in bonus)
                  + "</p>") if bonus else ""
    if not counts:
        return f"<h2>Most frequent diagnoses</h2><p>No known bug was diagnosed in the required tests.</p>{bonus_line}"
    meanings = bug_meanings(assignment, [bug for bug, _ in counts])
    uri = horizontal_bars([bug for bug, _ in counts], [float(n) for _, n in counts], xlabel="submissions")
    table = "".join(
        f'<tr><td><code>bug:{escape(bug)}</code></td><td class="num">{n}</td>'
        f"<td>{escape(meanings.get(bug, ''))}</td></tr>" for bug, n in counts
    )
    return (f'<h2>Most frequent diagnoses</h2><img id="diagnoses" alt="Most frequent diagnoses" src="{uri}">'
            f"<table><tr><th>bug</th><th>submissions</th><th>meaning</th></tr>{table}</table>{bonus_line}")


def _problems_section(rows: list[StudentRow]) -> str:
    """Submissions that failed before the checks could judge them (load, syntax, time limit), and late work."""
    troubled = [r for r in rows if r.standing.problems or r.standing.lateness.late]
    if not troubled:
        return ""
    cells = "".join(
        f"<tr><td>{escape(r.student)}</td><td>{escape('; '.join(r.standing.problems))}</td>"
        f"<td>{escape(describe(r.standing.lateness)) if r.standing.lateness.late else ''}</td></tr>" for r in troubled
    )
    return ('<h2>Problems and late work</h2><table id="problems"><tr><th>student</th><th>problem</th>'
            f"<th>lateness</th></tr>{cells}</table>")


def _students_section(summary: ClassSummary, rows: list[StudentRow], path: Path | None,
                      feedback_dir: Path | None) -> str:
    parts = list(summary.parts)
    head = "".join(f"<th>{escape(p)}</th>" for p in parts)
    sources = sorted({r.standing.final_from for r in rows})
    legend = "".join(f'<p class="muted">{escape(FINAL_LABELS[source])}</p>' for source in sources)
    lines = []
    for row in rows:
        cells = "".join(f'<td class="num">{row.part_scores[p][0]:g}</td>' if p in row.part_scores else "<td></td>"
                        for p in parts)
        name = escape(row.student)
        if feedback_dir is not None and path is not None:
            link = os.path.relpath(Path(feedback_dir) / f"{row.feedback_stem}.md", Path(path).parent)
            name = f'<a href="{escape(link)}">{name}</a>'
        low = ' class="num low"' if row.max_score and row.score < 0.5 * row.max_score else ' class="num"'
        flags = " (grader error)" if row.grader_errors else ""
        state = row.standing
        label = "gradebook" if state.final_from == "gradebook" else "autograder"
        final = (f'<td class="num" title="{escape(FINAL_LABELS[state.final_from])}">'
                 f"{state.final_score:g} / {state.final_max:g} ({label})</td>")
        problems = escape("; ".join(state.problems))
        late = escape(describe(state.lateness)) if state.lateness.late else ""
        lines.append(f"<tr><td>{name}{flags}</td><td{low}>{row.score:g} / {row.max_score:g}</td>{final}{cells}"
                     f"<td>{escape(' '.join(row.diagnoses))}</td><td>{problems}</td><td>{late}</td></tr>")
    return (f'<h2>Students</h2><table id="students"><tr><th>student</th><th>autograder score</th>'
            f"<th>final grade</th>{head}<th>diagnoses</th><th>problems</th><th>lateness</th></tr>"
            + "".join(lines) + "</table>" + legend)
