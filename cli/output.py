"""Printing: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """One JSON document on stdout; decimals as strings, times as ISO 8601."""
    print(json.dumps(data, ensure_ascii=False, default=_plain, indent=2))


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A table for people, with right-aligned numbers."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    materialised = [["" if v is None else str(v) for v in row] for row in rows]
    for i, column in enumerate(columns):
        numeric = materialised and all(_looks_numeric(row[i]) for row in materialised if row[i])
        table.add_column(column, justify="right" if numeric else "left")
    for row in materialised:
        table.add_row(*row)
    Console().print(table)


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.rstrip("%"))
    except ArithmeticError:
        return False
    return True
