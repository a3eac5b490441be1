"""Progress bars for long work (replay, rebuild, import, catching up), on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: The variables by which rich may be told stderr is a terminal when it is not.
_TERMINAL_OVERRIDES = ("TTY_COMPATIBLE", "FORCE_COLOR")


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A bar on stderr; the yielded function sets how much is done (out of ``total``).

    Shown only on a terminal: scripts and pipes get clean output. Where stderr is no
    terminal and nothing says otherwise, rich (0.03 s to import) is not loaded at all:
    `audit verify` and `audit replay` are reads held to 0.35 s (docs/decisions/0209).
    """
    isatty = getattr(sys.stderr, "isatty", None)
    if not any(os.environ.get(name) is not None for name in _TERMINAL_OVERRIDES) and not (
        isatty is not None and isatty()
    ):
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda done: None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done: progress.update(task, completed=done)
