"""What a department's 项目支出 reports cost the reads that gather them.

Run from the repository root::

    python bench/projects.py                 # 200 project reports
    python bench/projects.py --projects 50

On a SQLite file: the seed's 部门整体 report signed off, and ``--projects`` 项目支出 reports
of the same department and year (the bundled 博爱家园建设 under codes p001, p002 …). Timed:

* ``listing_view``: the 整体 report's view as the worker renders it at its sign-off
  (decision 0710): the report folded from the log, and every project report of its
  department-year folded up to the same moment, each with its chain checked;
* ``floor_view``: the same report's view without the project reports (the log folded for
  the report alone): the figure the listing adds to;
* ``overview``: the year overview (departments with their project reports), from the read
  models caught up.

The last line printed is one JSON object with every figure and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, machine, say
from cli.seed_file import project_document
from projections.migrations import open_store
from projections.registry import projection_runner
from projections.report_view import report_view
from projections.year_overview import year_overview
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.worker.signed_off import open_office, prepare, sign_off
from tests.workflow.world import NOW
from worker.render import signed_off_view
from worker.revision import find_signed_off
from workflow.report_file import document_commands
from workflow.service import execute_all, load_report


def _median(run: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4)


def main(argv: list[str] | None = None) -> None:
    """Enter the reports, time the three reads, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=200, help="project reports to enter")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each read")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-projects-") as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'jixiao.db'}", create=True)
        office = open_office(store)
        prepare(office)
        document = project_document()
        assert document.project is not None
        started = time.perf_counter()
        for n in range(1, args.projects + 1):
            project = document.project.model_copy(update={"code": f"p{n:03d}"})
            commands = document_commands(document.model_copy(update={"project": project}))
            execute_all(store, office.preparer, commands, now=NOW)
        say(f"entered {args.projects} project reports in {time.perf_counter() - started:.1f} s")
        sign_off(office)
        signed = find_signed_off(store, DEPARTMENT_CODE, YEAR)
        view = signed_off_view(store, signed)
        assert len(view["projects"]) == args.projects
        listing = _median(lambda: signed_off_view(store, signed), args.rounds)
        floor = _median(
            lambda: report_view(
                load_report(
                    store, DEPARTMENT_CODE, YEAR, to_version=signed.version, verified=True
                ).state
            ),
            args.rounds,
        )
        runner = projection_runner(store)
        runner.setup()
        runner.catch_up()
        (row,) = year_overview(store.engine, YEAR)
        assert len(row.projects) == args.projects
        overview = _median(lambda: year_overview(store.engine, YEAR), args.rounds)
        say(f"整体 view with its project list {listing} s; without it {floor} s")
        say(f"year overview with {args.projects} project rows {overview} s")
        emit_json(
            {
                "bench": "projects",
                "projects": args.projects,
                "listing_view_s": listing,
                "floor_view_s": floor,
                "listing_over_floor": round(listing / floor, 1) if floor else None,
                "overview_s": overview,
                "rounds": args.rounds,
                "machine": machine(),
            }
        )
        store.close()


if __name__ == "__main__":
    main()
