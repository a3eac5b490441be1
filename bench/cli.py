"""How fast `jixiao --help` and every read command answer, beside the bare interpreter.

Run from the repository root::

    python bench/cli.py              # 15 rounds
    python bench/cli.py --runs 30
    python bench/cli.py --db sqlite:////tmp/jixiao-demo/jixiao.db --token TOKEN  # an existing demo

Set-up (untimed): ``jixiao demo`` builds the demo database in a temporary folder (the
Gusu District Red Cross 2021 report carried to sign-off and rendered: 157 events, four
users), and the auditor's token is read from the line the demo prints. Every read command
then runs as the auditor, who may read everything, on that database.

Each round runs ``python -c pass`` (the floor: starting and stopping the interpreter),
``python -c "import typer, events.store, workflow"`` (the stack a command that opens the
SQL store imports first), ``python -c "import typer, events.driver, workflow.service"``
(what a read through the database driver alone imports first: docs/decisions/0208), both
anchors that show how much of a read is its own work, and then every command once, as
separate processes, in the same order; so load from other work on the machine falls on
the floor and the commands alike. The reads find the demo's read models at the head of
the log (the warm-up round brings them there), as every read but the first after a
command finds them. The figures are wall-clock seconds (median and 95th percentile over
the rounds), each command's median over the floor's, and the CPU seconds (user + system)
each took, which the machine's load disturbs less. The load average is printed before and after.

The commands run with their bytecode cached, as an installed jixiao runs: if
``PYTHONDONTWRITEBYTECODE`` is set, it is unset for them and the cache goes to a temporary
``PYTHONPYCACHEPREFIX``, filled by one warm-up run of each command.

Goals: every read command ≤ 0.35 s and ``--help`` ≤ 0.15 s, wall, at the median; `audit
artifact` is measured beside them but renders the revision again to prove the file, so it
is held to no goal. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, machine, say

#: The goals, in seconds of wall-clock time at the median.
READ_GOAL_S = 0.35
HELP_GOAL_S = 0.15

#: What every command that opens the database must import before it does anything: the
#: CLI's framework, the store (SQLAlchemy, SQLModel, pydantic) and the domain's event
#: classes. Measured as an anchor, not a goal: a read's time over it is the command's own.
STACK = "import typer, events.store, workflow"
#: What a read answered through the database driver alone imports first (the CLI's
#: framework, the driver-only reader, the domain's services): its anchor.
READ_STACK = "import typer, events.driver, workflow.service"

#: Commands measured but held to no goal: `audit artifact` proves a file by rendering its
#: revision again, so the rendering stack is its work, not overhead.
RENDERING = ("audit artifact",)

#: The auditor the demo creates; their token is on the demo's last line.
AUDITOR = "zhao.liu"


def read_commands(demo: Path) -> dict[str, list[str]]:
    """Every read command, by the name the figures use, with its arguments on the demo.

    ``demo`` is the demo's folder (its rendered files are there); a command that writes a
    file writes it into the ``bench-out`` folder beside them.
    """
    report = ["-d", "gusu-rc", "-y", "2021"]
    out = demo / "bench-out"
    pdf = next(iter(sorted((demo / "reports").glob("*.pdf"))), None)
    commands = {
        "help": ["--help"],
        "report show": ["report", "show", *report],
        "report list": ["report", "list"],
        "report overview": ["report", "overview", "2021"],
        "report export": ["report", "export", *report],
        "review inbox": ["review", "inbox"],
        "audit trail": ["audit", "trail", *report],
        "audit as-of": ["audit", "as-of", *report, "100"],
        "audit diff": ["audit", "diff", *report, "60", "157"],
        "audit verify": ["audit", "verify"],
        "audit replay": ["audit", "replay", "2021", "-o", str(out), "--force"],
        "projections status": ["projections", "status"],
        "admin scheme list": ["admin", "scheme", "list"],
        "admin scheme show": ["admin", "scheme", "show", "national-10-90"],
    }
    if pdf is not None:
        commands["audit artifact"] = ["audit", "artifact", str(pdf)]
    return commands


def child_environment(
    cache: str, db: str | None = None, token: str | None = None
) -> dict[str, str]:
    """The commands' environment: cached bytecode, none of the caller's JIXIAO_ settings,
    and with ``db`` and ``token`` the demo database and the auditor."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", cache)
    env["COLUMNS"] = "100"
    if db and token:
        env.update(JIXIAO_DB=db, JIXIAO_USER=AUDITOR, JIXIAO_TOKEN=token)
    return env


def build_demo(folder: Path, env: dict[str, str]) -> tuple[str, str]:
    """Run ``jixiao demo`` into ``folder``; the database URL and the auditor's token."""
    done = subprocess.run(
        [sys.executable, "-m", "cli", "demo", "--out", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    found = re.search(r"JIXIAO_TOKEN=(\S+)", done.stdout)
    if done.returncode != 0 or found is None:
        sys.exit(
            f"jixiao demo: exit {done.returncode}, expected the auditor's token\n{done.stderr}"
        )
    return f"sqlite:///{(folder / 'jixiao.db').resolve()}", found.group(1)


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run; exits if the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(
            f"{' '.join(command[2:])}: exit {done.returncode}, expected 0\n"
            f"{done.stderr.decode(errors='replace')}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def figures(walls: list[float], cpus: list[float], floor: float | None) -> dict[str, float]:
    """Median and 95th percentile of the wall times, the median over ``floor``, median CPU."""
    ordered = sorted(walls)
    median = statistics.median(ordered)
    result = {
        "median_s": round(median, 4),
        "p95_s": round(ordered[max(0, round(len(ordered) * 0.95) - 1)], 4),
        "cpu_median_s": round(statistics.median(cpus), 4),
    }
    if floor:
        result["over_floor"] = round(median / floor, 1)
    return result


def main() -> None:
    """Set up, measure, print the figures and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds of every command")
    parser.add_argument("--db", help="an existing demo database (skips `jixiao demo`)")
    parser.add_argument("--token", help=f"{AUDITOR}'s token on --db")
    parser.add_argument("--demo", type=Path, help="the folder of the demo at --db")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-cli-") as temporary:
        folder = Path(temporary)
        cache = str(folder / "pycache")
        if arguments.db:
            if not arguments.token or not arguments.demo:
                sys.exit("--db: given without --token and --demo, expected all three")
            db, token, demo = arguments.db, arguments.token, arguments.demo
        else:
            say("setting up: jixiao demo …")
            demo = folder / "demo"
            db, token = build_demo(demo, child_environment(cache))
        env = child_environment(cache, db, token)
        floor_command = [sys.executable, "-c", "pass"]
        commands = {
            "stack import": [sys.executable, "-c", STACK],
            "read stack import": [sys.executable, "-c", READ_STACK],
        }
        commands |= {
            name: [sys.executable, "-m", "cli", *args] for name, args in read_commands(demo).items()
        }
        say(f"warming up: {len(commands) + 1} commands once each")
        for command in [floor_command, *commands.values()]:
            run_once(command, env)  # warm-up: the bytecode cache, the file cache
        load_before = os.getloadavg()
        samples: dict[str, tuple[list[float], list[float]]] = {
            name: ([], []) for name in ["python -c pass", *commands]
        }
        for round_number in range(1, arguments.runs + 1):
            for name, command in [("python -c pass", floor_command), *commands.items()]:
                wall, cpu = run_once(command, env)
                samples[name][0].append(wall)
                samples[name][1].append(cpu)
            say(f"round {round_number}/{arguments.runs} done")
        load_after = os.getloadavg()
    floor = statistics.median(samples["python -c pass"][0])
    results = {
        name: figures(walls, cpus, None if name == "python -c pass" else floor)
        for name, (walls, cpus) in samples.items()
    }
    say(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    say(f"{'command':<20} {'median':>8} {'p95':>8} {'× floor':>8} {'cpu':>8}")
    for name, result in results.items():
        over = f"{result['over_floor']:.1f}" if "over_floor" in result else "1.0"
        say(
            f"{name:<20} {result['median_s']:>7.3f}s {result['p95_s']:>7.3f}s "
            f"{over:>8} {result['cpu_median_s']:>7.3f}s"
        )
    unheld = ("python -c pass", "stack import", "read stack import", "help", *RENDERING)
    reads = {name: r for name, r in results.items() if name not in unheld}
    slow = sorted(name for name, r in reads.items() if r["median_s"] > READ_GOAL_S)
    emit_json(
        {
            "bench": "cli",
            "runs": arguments.runs,
            "machine": machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "python_startup": results["python -c pass"],
            "commands": {name: r for name, r in results.items() if name != "python -c pass"},
            "goals_s": {"read_median": READ_GOAL_S, "help_median": HELP_GOAL_S},
            "reads_over_goal": slow,
            "met": not slow and results["help"]["median_s"] <= HELP_GOAL_S,
        }
    )


if __name__ == "__main__":
    main()
