"""A rich progress bar with an ETA for a batch; silent when stderr is not a terminal or when disabled.

rich is imported only when the bar will show, so a batch run from a script or a pipe never pays for it."""

from __future__ import annotations

import sys


class BatchProgress:
    """Context manager; call `advance(item)` once per finished or skipped submission."""

    def __init__(self, total: int, *, enabled: bool = True, console=None):
        self._progress = None
        if not enabled or (console is None and not sys.stderr.isatty()):
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}", style="dim"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=False,
        )
        self._task = self._progress.add_task("grading", total=total, last="")

    def __enter__(self) -> "BatchProgress":
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, item) -> None:
        """`item` is a `batch.Graded`: a skipped one says so, a grader failure says so, else its score."""
        if self._progress is None:
            return
        if item.skipped:
            label = f"{item.source.name} (skipped)"
        elif not item.ok:
            label = f"{item.source.name} (grader failure)"
        elif item.mark is not None:
            label = f"{item.source.name} {item.mark.score:g}/{item.mark.max_score:g}"
        else:
            label = item.source.name
        self._progress.update(self._task, advance=1, last=label[:30])
