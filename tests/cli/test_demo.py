"""The README's first command, as a newcomer runs it: a rendered seed report, every figure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.seed import BUDGET_LINES, INDICATORS
from tests.worker.html_reading import read_tables

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACT = re.compile(r"^\s+(html|pdf|xlsx|docx)\s+(\S+)\s+\(", re.MULTILINE)


def test_scripts_demo_renders_the_seed_report_from_a_fresh_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    out = tmp_path / "demo"
    done = subprocess.run(
        [str(REPOSITORY / "scripts" / "demo"), "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    files = {fmt: Path(path) for fmt, path in ARTIFACT.findall(done.stdout)}
    assert set(files) == {"html", "pdf", "xlsx", "docx"}
    assert all(path.is_file() and path.parent == out / "reports" for path in files.values())
    assert files["pdf"].read_bytes().startswith(b"%PDF")
    assert "chain intact" in done.stdout and "li.si (department_head)" in done.stdout

    budget = read_tables(files["html"].read_text(encoding="utf-8"))["budget-table"][1:]
    # Amounts to the hundredth, the rate's number under 预算执行率（%） (docs/decisions/0802).
    assert [row[1:] for row in budget] == [
        [
            *(f"{Decimal(f):.2f}" for f in (line.initial, line.adjustment, line.higher_level)),
            *(f"{Decimal(f):.2f}" for f in (line.total, line.actual)),
            f"{Decimal(line.rate):.1f}",
        ]
        for line in BUDGET_LINES
    ]
    indicators = read_tables(files["html"].read_text(encoding="utf-8"))["indicator-table"][2:-1]
    assert [(row[3], row[4]) for row in indicators] == [(i.target, i.actual) for i in INDICATORS]

    sheet = load_workbook(files["xlsx"]).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"300.09", "-22.81", "279.08", "0.75", "≥50%", "1018人"} <= cells
