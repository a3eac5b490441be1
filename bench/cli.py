"""How fast `jixiao --help` answers, beside the bare interpreter starting and exiting.

Run from the repository root::

    python bench/cli.py            # 20 runs of each
    python bench/cli.py --runs 50

The goal (issue 6) is `jixiao --help` under 0.3 s. Heavy modules (SQLAlchemy, Celery,
WeasyPrint, the domain) are imported inside commands, so help only pays for Python,
typer and rich. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def timings(command: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` runs of ``command`` (after one warm-up run)."""
    subprocess.run(command, capture_output=True, check=True)
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        out.append(time.perf_counter() - started)
    return out


def figures(samples: list[float]) -> dict[str, float]:
    """Median, 95th percentile and best of some timings, in seconds."""
    ordered = sorted(samples)
    return {
        "median_s": round(statistics.median(ordered), 4),
        "p95_s": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 4),
        "best_s": round(ordered[0], 4),
    }


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    python = figures(timings([sys.executable, "-c", "pass"], runs))
    helped = figures(timings([sys.executable, "-m", "cli", "--help"], runs))
    print(f"python -c pass:    median {python['median_s']:.3f} s, p95 {python['p95_s']:.3f} s")
    print(f"jixiao --help:     median {helped['median_s']:.3f} s, p95 {helped['p95_s']:.3f} s")
    result = {
        "bench": "cli",
        "runs": runs,
        "python_startup": python,
        "jixiao_help": helped,
        "goal_s": 0.3,
        "met": helped["p95_s"] < 0.3,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
