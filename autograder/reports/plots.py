"""The class report's charts, drawn with matplotlib's Agg canvas and returned as PNG data URIs."""

from __future__ import annotations

import base64
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BLUE, GREEN, RED = "#3b6ea8", "#3a8d4f", "#b8483a"


def png_data_uri(figure: Figure) -> str:
    """Render without pyplot (no global state, no display) and embed as base64."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(scores: list[float], max_score: float) -> str:
    figure = Figure(figsize=(6.4, 3.0))
    axes = figure.add_subplot()
    top = max([max_score, *scores, 1.0])
    bins = min(20, max(5, int(top))) if top <= 40 else 20
    edges = [top * i / bins for i in range(bins + 1)]
    axes.hist(scores, bins=edges, color=BLUE, edgecolor="white")
    axes.set_xlim(0, top)
    axes.set_xlabel(f"score (out of {max_score:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    return png_data_uri(figure)


def horizontal_bars(labels: list[str], values: list[float], *, xlabel: str, xmax: float | None = None,
                    percent: bool = False) -> str:
    """One bar per label, first label on top; colour shows how good a pass rate is."""
    height = max(1.6, 0.28 * len(labels) + 0.8)
    figure = Figure(figsize=(7.2, height))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    colours = [_rate_colour(v) if percent else BLUE for v in values]
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, [_short(label) for label in labels], fontsize=8)
    axes.set_xlabel(xlabel)
    if xmax is not None:
        axes.set_xlim(0, xmax)
    if not percent:
        axes.xaxis.get_major_locator().set_params(integer=True)
    for position, value in zip(positions, values):
        axes.text(value, position, f" {value:.0%}" if percent else f" {value:g}", va="center", fontsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    return png_data_uri(figure)


def _rate_colour(rate: float) -> str:
    return GREEN if rate >= 0.8 else (BLUE if rate >= 0.5 else RED)


def _short(label: str, width: int = 48) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
