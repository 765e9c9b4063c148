"""The class report's charts, written directly as SVG and returned as data URIs (no plotting library, no fonts).

Drawing them costs well under a millisecond, so a one-file grade pays nothing for its report's charts and
imports no plotting library. Every label is XML-escaped; an SVG shown through <img> never runs scripts.
"""

from __future__ import annotations

import base64
import math
from html import escape

BLUE, GREEN, RED, GREY, INK = "#3b6ea8", "#3a8d4f", "#b8483a", "#bbbbbb", "#222222"
FONT = 'font-family="system-ui,sans-serif"'


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def score_histogram(scores: list[float], max_score: float) -> str:
    """Students per score bin, from 0 to the maximum score."""
    top = max([max_score, *scores, 1.0])
    bins = min(20, max(5, int(top))) if top <= 40 else 20
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, max(0, int(score / top * bins)))] += 1
    width, height, left, bottom, top_pad = 640, 300, 48, 44, 12
    plot_w, plot_h = width - left - 16, height - bottom - top_pad
    tallest = max(counts, default=0) or 1
    step = _nice_step(tallest)
    ceiling = math.ceil(tallest / step) * step
    bar_w = plot_w / bins
    shapes = []
    for y_tick in range(0, ceiling + 1, step):
        y = top_pad + plot_h * (1 - y_tick / ceiling)
        shapes.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eeeeee"/>'
                      f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{y_tick}</text>')
    for index, count in enumerate(counts):
        if count:
            h = plot_h * count / ceiling
            shapes.append(f'<rect x="{left + index * bar_w + 1:.1f}" y="{top_pad + plot_h - h:.1f}" '
                          f'width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{BLUE}"><title>{count}</title></rect>')
    for index in range(0, bins + 1, max(1, bins // 10)):
        x = left + index * bar_w
        shapes.append(f'<text x="{x:.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle" font-size="11">'
                      f"{top * index / bins:g}</text>")
    shapes.append(_axes(left, top_pad, plot_w, plot_h))
    shapes.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12">'
                  f"score (out of {max_score:g})</text>"
                  f'<text x="14" y="{top_pad + plot_h / 2:.1f}" text-anchor="middle" font-size="12" '
                  f'transform="rotate(-90 14 {top_pad + plot_h / 2:.1f})">students</text>')
    return svg_data_uri(_svg(width, height, shapes))


def horizontal_bars(labels: list[str], values: list[float], *, xlabel: str, xmax: float | None = None,
                    percent: bool = False) -> str:
    """One bar per label, first label on top; colour shows how good a pass rate is."""
    left, right, row_h, top_pad, bottom = 330, 60, 22, 8, 40
    width = 760
    plot_w = width - left - right
    height = top_pad + row_h * max(1, len(labels)) + bottom
    most = xmax if xmax is not None else max([*values, 1.0])
    most = most if most > 0 else 1.0
    shapes = []
    for row, (label, value) in enumerate(zip(labels, values)):
        y = top_pad + row * row_h
        w = plot_w * min(max(value, 0.0), most) / most
        colour = _rate_colour(value) if percent else BLUE
        shown = f"{value:.0%}" if percent else f"{value:g}"
        shapes.append(f'<text x="{left - 6}" y="{y + row_h * 0.65:.1f}" text-anchor="end" font-size="11">'
                      f"{escape(_short(label))}</text>"
                      f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                      f"<title>{escape(label)}: {shown}</title></rect>"
                      f'<text x="{left + w + 4:.1f}" y="{y + row_h * 0.65:.1f}" font-size="10">{shown}</text>')
    plot_h = row_h * max(1, len(labels))
    shapes.append(_axes(left, top_pad, plot_w, plot_h))
    shapes.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12">'
                  f"{escape(xlabel)}</text>")
    return svg_data_uri(_svg(width, height, shapes))


def _svg(width: int, height: int, shapes: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" {FONT} fill="{INK}">'
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>{"".join(shapes)}</svg>')


def _axes(left: float, top: float, width: float, height: float) -> str:
    return (f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="{GREY}"/>'
            f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="{GREY}"/>')


def _nice_step(tallest: int) -> int:
    """An integer tick step giving at most about 6 ticks."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if tallest / step <= 6:
            return step
    return 10 ** len(str(tallest))


def _rate_colour(rate: float) -> str:
    return GREEN if rate >= 0.8 else (BLUE if rate >= 0.5 else RED)


def _short(label: str, width: int = 48) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
