"""A rich progress bar with an ETA for a batch; silent when stderr is not a terminal or when disabled."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class BatchProgress:
    """Context manager; call `advance(item)` once per finished or skipped submission."""

    def __init__(self, total: int, *, enabled: bool = True, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}", style="dim"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not (enabled and self.console.is_terminal),
            transient=False,
        )
        self._task = self._progress.add_task("grading", total=total, last="")

    def __enter__(self) -> "BatchProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._progress.stop()

    def advance(self, item) -> None:
        """`item` is a `batch.Graded`: a skipped one says so, a grader failure says so, else its score."""
        if item.skipped:
            label = f"{item.source.name} (skipped)"
        elif not item.ok:
            label = f"{item.source.name} (grader failure)"
        elif item.report is not None:
            label = f"{item.source.name} {item.report.score:g}/{item.report.max_score:g}"
        else:
            label = item.source.name
        self._progress.update(self._task, advance=1, last=label[:30])
