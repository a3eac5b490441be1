"""`jixiao admin layout`: the spreadsheet layouts a 自评价表 is read by (docs/layouts.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.failures import reported_errors
from cli.options import JsonOption
from cli.output import print_json, print_table

app = typer.Typer(
    help="Spreadsheet layouts: bundled, and a finance bureau's own in JIXIAO_LAYOUTS.",
    no_args_is_help=True,
)


@app.command("list")
def layout_list(as_json: JsonOption = False) -> None:
    """List the layouts a 自评价表 can be read by, with the file each comes from.

    Example: jixiao admin layout list
    """
    from imports.sheet_layouts import BUNDLED, all_layouts

    with reported_errors():
        layouts = all_layouts()
    rows = [
        {
            "name": layout.name,
            "kind": layout.kind,
            "title": layout.title,
            "file": "bundled" if layout.path.parent == BUNDLED else str(layout.path),
        }
        for layout in layouts.values()
    ]
    if as_json:
        print_json(rows)
    else:
        print_table("layouts", ["name", "kind", "title", "file"], [r.values() for r in rows])


@app.command("show")
def layout_show(
    name: Annotated[str, typer.Argument(help="A layout's name (jixiao admin layout list).")],
    as_json: JsonOption = False,
) -> None:
    """Print a layout: each part's header rows and the header words of each column.

    Example: jixiao admin layout show sichuan-510000
    """
    from imports.sheet_layouts import BUDGET_ROLES, INDICATOR_ROLES, layout_named

    with reported_errors():
        layout = layout_named(name, field="layout")
    shown: dict[str, Any] = {
        "name": layout.name,
        "title": layout.title,
        "kind": layout.kind,
        "file": str(layout.path),
        "department": list(layout.department),
        "budget": {
            "header_rows": layout.budget.header_rows,
            "columns": {role: list(words) for role, words in layout.budget.columns.items()},
            "fund_rows": list(layout.budget.fund_rows),
        },
        "indicators": {
            "header_rows": layout.indicators.header_rows,
            "columns": {role: list(words) for role, words in layout.indicators.columns.items()},
            "closing": list(layout.indicators.closing),
            "name_spans_project": layout.indicators.name_spans_project,
            "default_category": layout.indicators.default_category or None,
        },
        "unfilled": list(layout.unfilled),
    }
    if as_json:
        print_json(shown)
        return
    typer.echo(f"{layout.name}: {layout.title} ({layout.kind}; {layout.path})")
    for part, roles, meaning in (
        ("budget", layout.budget, BUDGET_ROLES),
        ("indicators", layout.indicators, INDICATOR_ROLES),
    ):
        print_table(
            f"{part} ({roles.header_rows} header row{'s' if roles.header_rows > 1 else ''})",
            ["column", "header words", "holds"],
            [(role, " / ".join(words), meaning[role]) for role, words in roles.columns.items()],
        )
    if layout.budget.fund_rows:
        typer.echo(f"fund rows: {', '.join(layout.budget.fund_rows)}")
    typer.echo(f"closing rows: {', '.join(layout.indicators.closing)}")
    if layout.unfilled:
        typer.echo(f"unfilled when a cell holds: {' | '.join(layout.unfilled)}")
