"""A read command loads only what it needs: never the rendering, worker, server or
migration stacks (docs/decisions/0403). Each command runs in a fresh interpreter, which
then lists the heavy modules it holds."""

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

#: Runs `jixiao ARGV…` (argv as JSON in argv[1]) and prints the heavy modules then loaded.
PROBE = f"""
import json, sys
from cli.app import app
try:
    app(args=json.loads(sys.argv[1]))
except SystemExit as done:
    code = done.code or 0
print(json.dumps({{"code": code, "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
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


@on_administration
def imported(run):
    """The seed report imported by its preparer."""
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0


@pytest.mark.parametrize("argv", READS, ids=" ".join)
def test_a_read_loads_no_heavy_stack(imported, argv, tmp_path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {
        "JIXIAO_DB": imported.url,
        "JIXIAO_USER": "zhao.liu",
        "JIXIAO_TOKEN": imported.tokens["zhao.liu"],
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
        env={**_environment(), **env},
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"code": 0, "heavy": []}, done.stderr


def _environment() -> dict[str, str]:
    """This process's environment without the caller's JIXIAO_ settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
