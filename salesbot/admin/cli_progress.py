"""Progress for long command-line work (kb add, import, export, eval).

On a terminal, a rich progress bar on stderr that disappears when the work is done, so what stays on the
screen is the command's summary. Not on a terminal (a pipe, a log file, CI), nothing at all while the work
runs: the command prints its plain summary at the end, as before, and logs stay free of control codes.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

# update(done, total): how far the work is; total may grow (a folder is counted as it is read)
Update = Callable[[int, int], None]


def _quiet(done: int, total: int) -> None:
    pass


@contextmanager
def progress(description: str, *, stream: TextIO | None = None) -> Iterator[Update]:
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield _quiet
        return
    # rich.progress takes ~0.2 s to import: only a command that runs on a terminal pays for it
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream, force_terminal=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
