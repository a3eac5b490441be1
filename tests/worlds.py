"""Copying a database a fixture built once, so each test starts from its own copy.

Building a world replays dozens to hundreds of commands; copying its file costs
milliseconds and gives the test the very same rows (positions, hashes, times).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def copy_sqlite(source: Path, target: Path) -> None:
    """Make ``target`` a copy of the SQLite database ``source``, through SQLite's backup API
    (which includes what is still in the write-ahead log; a file copy would miss it)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)
