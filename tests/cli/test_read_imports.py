"""A read command loads only what it needs: never the rendering, worker, server or
migration stacks (docs/decisions/0403), and, when the read models are at the head of the
log, not SQLAlchemy either: those reads go through the database driver alone (0208). Each
command runs in a fresh interpreter, which then lists the heavy modules it holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli.seed_file import SEED_FILE
from tests.cli.conftest import KEY, on_administration

#: Modules no read command may load: documents (WeasyPrint, openpyxl, jinja2's templates),
#: the worker (Celery, kombu), the server (FastAPI, Starlette, uvicorn), migrations (Alembic).
HEAVY = (
    "weasyprint",
    "openpyxl",
    "jinja2",
    "celery",
    "kombu",
    "fastapi",
    "starlette",
    "uvicorn",
    "alembic",
)

#: What a read answered from the read models at the head of the log never loads: the SQL
#: store's stack (SQLAlchemy, SQLModel's tables) and the projections that write the tables.
STORE_STACK = ("sqlalchemy", "sqlmodel", "events.store", "projections.runner")

#: The report domain: its events, fold and administration. A read answered from the read
#: models at the head of the log signs its caller in from the user's events alone and loads
#: none of it (nor the commands and their decisions); a catch-up folds reports, and the
#: event registry imports the administration's events at the first one decoded.
REPORT_DOMAIN = ("workflow.report_events", "workflow.report", "workflow.administration")
COMMANDS = ("workflow.commands", "workflow.decisions")

#: Runs `jixiao ARGV…` (argv as JSON in argv[1]) and prints the listed modules (argv[2])
#: then loaded.
PROBE = """
import json, sys
from cli.app import app
try:
    app(args=json.loads(sys.argv[1]))
except SystemExit as done:
    code = done.code or 0
print(json.dumps({"code": code, "heavy": [m for m in json.loads(sys.argv[2]) if m in sys.modules]}))
"""

READS = [
    ("report", "show", *KEY),
    ("report", "list"),
    ("report", "overview", "2021"),
    ("report", "export", *KEY),
    ("review", "inbox"),
    ("audit", "trail", *KEY),
    ("audit", "as-of", *KEY, "40"),
    ("audit", "diff", *KEY, "30", "40"),
    ("audit", "verify"),
    ("audit", "replay", "2021", "-o", "{tmp}", "--force"),
    ("projections", "status"),
    ("admin", "scheme", "list"),
    ("admin", "scheme", "show", "national-10-90"),
]


#: The reads answered from the read models' rows alone, folding no report.
FROM_ROWS = [
    ("report", "show", *KEY),
    ("report", "list"),
    ("report", "overview", "2021"),
    ("review", "inbox"),
    ("audit", "trail", *KEY),
    ("audit", "trail", *KEY, "--item", "line:publicity"),
    ("projections", "status"),
]

#: The reads answered without the SQL store: from the read models when they are at the head
#: of the log, or from the log itself through the database driver.
AT_HEAD = [
    *FROM_ROWS,
    ("report", "export", *KEY),
    ("audit", "as-of", *KEY, "40"),
    ("audit", "diff", *KEY, "30", "40"),
    ("audit", "verify"),
    ("audit", "verify", "--chain-only"),
    ("audit", "replay", "2021", "-o", "{tmp}", "--force"),
]

#: The walks of the whole log (decision 0209): through the database driver alone wherever
#: the read models stand, since they compare the read models at their own checkpoints.
WALKS = [
    ("audit", "verify"),
    ("audit", "replay", "2021", "-o", "{tmp}", "--force"),
]


@on_administration
def imported(run):
    """The seed report imported by its preparer."""
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0


@on_administration
def caught_up(run):
    """The seed report imported, and the read models brought up to the log's head by a read."""
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0
    assert run("report", "list").exit_code == 0


@pytest.mark.parametrize("argv", READS, ids=" ".join)
def test_a_read_loads_no_heavy_stack(imported, argv, tmp_path) -> None:
    assert _loaded(imported, argv, HEAVY, tmp_path) == []


@pytest.mark.parametrize("argv", AT_HEAD, ids=" ".join)
def test_a_read_at_the_head_loads_no_sql_store(caught_up, argv, tmp_path) -> None:
    assert _loaded(caught_up, argv, (*HEAVY, *STORE_STACK), tmp_path) == []


@pytest.mark.parametrize("argv", FROM_ROWS, ids=" ".join)
def test_a_read_of_the_rows_loads_no_report_domain(caught_up, argv, tmp_path) -> None:
    assert _loaded(caught_up, argv, (*REPORT_DOMAIN, *COMMANDS), tmp_path) == []


@pytest.mark.parametrize("argv", WALKS, ids=" ".join)
def test_a_walk_of_the_log_behind_the_head_loads_no_sql_store(imported, argv, tmp_path) -> None:
    assert _loaded(imported, argv, (*HEAVY, *STORE_STACK), tmp_path) == []


def test_a_read_behind_the_head_catches_up_through_the_store(imported, tmp_path) -> None:
    # The probe sees the store's stack when a read must apply new events first, so the
    # test above shows the quick path, not a probe that misses what it looks for.
    modules = (*STORE_STACK, *REPORT_DOMAIN)
    assert _loaded(imported, ("report", "list"), modules, tmp_path) == list(modules)


def _loaded(run, argv, modules, tmp_path) -> list[str]:
    """Which of ``modules`` `jixiao ARGV…` loads, run as the auditor in a fresh interpreter
    on ``run``'s database (it must succeed)."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {
        "JIXIAO_DB": run.url,
        "JIXIAO_USER": "zhao.liu",
        "JIXIAO_TOKEN": run.tokens["zhao.liu"],
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(modules)],
        capture_output=True,
        text=True,
        check=True,
        env={**_environment(), **env},
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["code"] == 0, done.stderr
    return outcome["heavy"]


def _environment() -> dict[str, str]:
    """This process's environment without the caller's JIXIAO_ settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
