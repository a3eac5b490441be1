"""A department's whole year of forms in one workbook: its 部门整体 自评价表 and 200
项目支出绩效自评表, imported as one change.

Run from the repository root::

    python bench/forms.py                  # 1 整体 sheet + 200 project sheets, 3 rounds
    python bench/forms.py --projects 50 --rounds 5

The workbook is built once with openpyxl: the seed's 自评价表 as jixiao renders it (the
seed-overall layout) and one national 项目支出绩效自评表 (财预〔2020〕10号) per project, each as
a region's office fills it in (merged label cells, unused fund rows blank, 年度总体目标 between
the tables; the builder the import tests use). Each round imports it into a fresh SQLite
database (department, year and preparer set up through the CLI, untimed) with one
``jixiao report import BOOK -d gusu-rc -y 2021 -p p001 … -p p200`` process as the preparer:
every sheet read, every cell placed or named, every command decided, all reports recorded
in one transaction. Timed: that process's wall and CPU time, start-up included.

The floor, measured in the same run: openpyxl alone loading the workbook and reading every
cell's value (``load_workbook(data_only=True)`` then every row of every sheet), the least
any reader of this file can spend.

The last line printed is one JSON object: the import's median wall and CPU seconds, the
floor's, their ratio, the events recorded, and the goal (≤ 5 s on SQLite).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, machine, say
from bench.imports import checked, jixiao

GOAL_SECONDS = 5.0
DEPARTMENT, DEPARTMENT_NAME, YEAR = "gusu-rc", "姑苏区红十字会", 2021
TOKEN = re.compile(r"token[^:]*: (\S+)")


def overall_sheet_values() -> tuple[list[list[Any]], list[str]]:
    """The seed's 自评价表 as jixiao renders it to XLSX: its cell values and merged ranges."""
    from io import BytesIO

    from openpyxl import load_workbook

    from projections.report_view import report_view
    from tests.seed import DEPARTMENT_CODE
    from tests.workflow.world import seeded_template
    from worker.evaluation_table import evaluation_table
    from worker.xlsx import render_xlsx
    from workflow.service import load_report

    view = report_view(load_report(seeded_template().store, DEPARTMENT_CODE, YEAR).state)
    table = evaluation_table(view, "姑苏区预算部门整体支出预算绩效自评价表")
    sheet = load_workbook(BytesIO(render_xlsx(table, datetime(2022, 3, 1, tzinfo=UTC)))).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows, [str(merged) for merged in sheet.merged_cells.ranges]


def build_workbook(path: Path, projects: int) -> Path:
    """Write the workbook: the 整体 sheet first, then ``projects`` national project forms."""
    from openpyxl import Workbook

    from tests.cli.test_project_import import fill_national_form

    workbook = Workbook()
    overall = workbook.active
    assert overall is not None
    overall.title = "部门整体"
    rows, merged = overall_sheet_values()
    for values in rows:
        overall.append(values)
    for cells in merged:
        overall.merge_cells(cells)
    for n in range(1, projects + 1):
        fill_national_form(workbook.create_sheet(f"项目{n:03d}"), f"博爱家园建设第{n}期")
    workbook.save(path)
    return path


def set_up(db: str) -> str:
    """A fresh database with the seed's department, the year and a preparer; the preparer's
    token."""
    root = TOKEN.search(checked(jixiao(db, "admin", "init", "--admin", "root")))
    assert root is not None
    for step in (
        ("admin", "department", "add", DEPARTMENT, DEPARTMENT_NAME),
        ("admin", "year", "open", str(YEAR), "--deadline", "2022-06-30"),
        ("admin", "user", "add", "zhang.san", "张三"),
        ("admin", "user", "grant", "zhang.san", "preparer", DEPARTMENT),
    ):
        checked(jixiao(db, *step, user="root", token=root[1]))
    token = TOKEN.search(
        checked(jixiao(db, "admin", "user", "token", "zhang.san", user="root", token=root[1]))
    )
    assert token is not None
    return token[1]


def children_cpu() -> float:
    """User and system time of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_once(book: Path, folder: Path, round_: int, projects: int) -> dict[str, Any]:
    """Import ``book`` into a fresh database as the preparer: wall, CPU and events recorded."""
    db = f"sqlite:///{folder / f'forms-{round_}.db'}"
    token = set_up(db)
    codes = [option for n in range(1, projects + 1) for option in ("-p", f"p{n:03d}")]
    cpu, started = children_cpu(), time.perf_counter()
    done = jixiao(
        db,
        "report", "import", str(book), "-d", DEPARTMENT, "-y", str(YEAR), *codes, "--json",
        user="zhang.san", token=token,
    )  # fmt: skip
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"import refused: {' '.join(done.stderr.split())[:400]}")
    recorded = json.loads(done.stdout)["recorded"]
    shown = checked(
        jixiao(db, "report", "overview", str(YEAR), "--json", user="zhang.san", token=token)
    )
    (row,) = (row for row in json.loads(shown) if row["department"] == DEPARTMENT)
    listed = [project["project"] for project in row["projects"]]
    if listed != [f"p{n:03d}" for n in range(1, projects + 1)]:
        raise SystemExit(f"the overview lists {len(listed)} project reports, not {projects}")
    return {"seconds": seconds, "cpu_seconds": cpu, "events": recorded}


def openpyxl_floor(book: Path) -> float:
    """openpyxl alone: load the workbook and read every cell's value; seconds."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(book, data_only=True)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for _ in row:
                pass
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    """Build the workbook, import it ``--rounds`` times beside the floor, print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=200, help="project sheets")
    parser.add_argument("--rounds", type=int, default=3, help="imports, each into a fresh db")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-forms-") as name:
        folder = Path(name)
        book = build_workbook(folder / "forms.xlsx", args.projects)
        size = book.stat().st_size
        say(f"workbook: 1 整体 sheet + {args.projects} project sheets, {size:,} bytes")
        imports, floors = [], []
        for round_ in range(args.rounds):
            floors.append(openpyxl_floor(book))
            imports.append(import_once(book, folder, round_, args.projects))
            say(
                f"round {round_ + 1}: import {imports[-1]['seconds']:.2f} s "
                f"({imports[-1]['cpu_seconds']:.2f} s CPU); openpyxl alone {floors[-1]:.2f} s"
            )
    seconds = statistics.median(run["seconds"] for run in imports)
    cpu = statistics.median(run["cpu_seconds"] for run in imports)
    floor = statistics.median(floors)
    emit_json(
        {
            "bench": "forms",
            "projects": args.projects,
            "sheets": args.projects + 1,
            "import_s": round(seconds, 3),
            "import_cpu_s": round(cpu, 3),
            "openpyxl_read_s": round(floor, 3),
            "import_over_openpyxl": round(seconds / floor, 2) if floor else None,
            "events": imports[-1]["events"],
            "goal_s": GOAL_SECONDS,
            "met": seconds <= GOAL_SECONDS,
            "rounds": args.rounds,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
