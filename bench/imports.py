"""How long `jixiao report import` takes as a report grows: the cost per budget line stays flat.

Run from the repository root::

    python bench/imports.py                         # 1,000 to 10,000 lines, JSON files
    python bench/imports.py --sizes 1000 2000 --format yaml
    python bench/imports.py --scheme my-scheme.toml # a scheme whose limits admit the sizes

Each size gets a fresh SQLite database (administrator, department, fiscal year and a preparer
set up through the CLI) and a generated report file: 预算资金总额 over 基本支出 and 项目支出,
and as many project lines as it takes to reach the size, each with 年初预算数 and 实际支出数
(three commands a line). The figures are the wall and CPU time of one `jixiao report import`
process, startup included. A size the scheme's limits refuse (a scheme may cap a report's
items below 10,000) is listed with the refusal: measure it under a scheme that admits it.

The last line printed is one JSON object: seconds and milliseconds per line at each size,
the ratio of the largest size's cost per line to the smallest's (1 or less is linear: the
process's startup is spread over more lines), and the goal (10,000 lines within 10 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, machine, say, warn

GOAL = {"lines": 10_000, "seconds": 10.0}
TOKEN = re.compile(r"token[^:]*: (\S+)")


def report_file(lines: int) -> dict[str, Any]:
    """A report of ``lines`` budget lines whose parents add up."""
    projects = max(1, lines - 3)
    budget = [
        {"id": "total", "name": "预算资金总额", "initial": str(projects + 1), "actual": None},
        {"id": "basic", "name": "基本支出", "parent": "total", "initial": "1", "actual": "1"},
        {"id": "project", "name": "项目支出", "parent": "total", "initial": str(projects)},
    ]
    budget += [
        {
            "id": f"p{n}",
            "name": f"项目{n}",
            "parent": "project",
            "initial": "1",
            "actual": "1",
        }
        for n in range(projects)
    ]
    for line in budget:
        if line.get("actual") is None:
            line.pop("actual", None)
    return {"department": "bench", "year": 2021, "budget": {"lines": budget}}


def jixiao(db: str, *args: str, user: str | None = None, token: str | None = None):
    """Run one `jixiao` command in a new process; the completed process."""
    env = {**os.environ, "JIXIAO_DB": db}
    env.pop("JIXIAO_USER", None)
    env.pop("JIXIAO_TOKEN", None)
    if user is not None and token is not None:
        env |= {"JIXIAO_USER": user, "JIXIAO_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True
    )


def checked(done: subprocess.CompletedProcess) -> str:
    if done.returncode != 0:
        raise SystemExit(f"setup failed: {done.args[3:]}: {done.stderr.strip()}")
    return done.stdout


def setup(db: str, scheme: str) -> str:
    """A fresh database with the department, the year and a preparer; the preparer's token."""
    root = TOKEN.search(checked(jixiao(db, "admin", "init", "--admin", "root")))[1]
    for step in (
        ("admin", "department", "add", "bench", "基准测试部门"),
        ("admin", "year", "open", "2021", "--deadline", "2022-06-30", "--scheme", scheme),
        ("admin", "user", "add", "prep", "填报人"),
        ("admin", "user", "grant", "prep", "preparer", "bench"),
    ):
        checked(jixiao(db, *step, user="root", token=root))
    return TOKEN.search(
        checked(jixiao(db, "admin", "user", "token", "prep", user="root", token=root))
    )[1]


def measure(size: int, workdir: Path, scheme: str, fmt: str) -> dict[str, Any]:
    """Import a generated report of ``size`` lines into a fresh database; its figures."""
    db = f"sqlite:///{workdir / f'imports-{size}.db'}"
    token = setup(db, scheme)
    path = workdir / f"report-{size}.{fmt}"
    document = report_file(size)
    if fmt == "json":
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    else:
        from cli.files import dump_yaml

        path.write_text(dump_yaml(document), encoding="utf-8")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = jixiao(db, "report", "import", str(path), user="prep", token=token)
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time too: on a shared machine the wall time also counts others' work.
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if done.returncode != 0:
        refusal = " ".join(done.stderr.split())[:300]
        say(f"{size:>6} lines: refused ({refusal})")
        return {"lines": size, "refused": refusal}
    per_line = seconds / size * 1000
    say(f"{size:>6} lines: {seconds:6.2f} s ({cpu:.2f} s CPU), {per_line:.3f} ms a line")
    return {
        "lines": size,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "ms_per_line": round(per_line, 4),
        "cpu_ms_per_line": round(cpu / size * 1000, 4),
    }


def main() -> None:
    """Measure every size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000, 10000])
    parser.add_argument("--scheme", default="default", help="A bundled scheme or a .toml file.")
    parser.add_argument("--format", choices=("json", "yaml"), default="json")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jixiao-imports-") as workdir:
        runs = [
            measure(size, Path(workdir), options.scheme, options.format) for size in options.sizes
        ]
    timed = [r for r in runs if "seconds" in r]
    growth = cpu_growth = None
    if len(timed) >= 2:
        growth = round(timed[-1]["ms_per_line"] / timed[0]["ms_per_line"], 3)
        cpu_growth = round(timed[-1]["cpu_ms_per_line"] / timed[0]["cpu_ms_per_line"], 3)
    largest = next((r for r in timed if r["lines"] == GOAL["lines"]), None)
    if not timed:
        warn("every size was refused: pass --scheme with limits that admit them")
    emit_json(
        {
            "bench": "imports",
            "format": options.format,
            "scheme": options.scheme,
            "runs": runs,
            "per_line_growth": growth,
            "cpu_per_line_growth": cpu_growth,
            "goal": GOAL,
            "met": None if largest is None else largest["seconds"] <= GOAL["seconds"],
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
