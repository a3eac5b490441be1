"""``python -m worker``: a Celery worker with the outbox relay, configured like ``jixiao worker``.

python -m worker --concurrency 2                  # JIXIAO_DB, JIXIAO_BROKER, JIXIAO_OUT
python -m worker --db sqlite:///jixiao.db         # embedded broker beside the store
python -m worker --broker redis://127.0.0.1:6379/0 --out /srv/jixiao/reports
"""

from __future__ import annotations

import argparse
import logging

from worker.runner import run_worker


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="store URL (default: JIXIAO_DB, else sqlite:///jixiao.db)")
    parser.add_argument(
        "--broker", help="broker URL (default: JIXIAO_BROKER, else a SQLite file beside the store)"
    )
    parser.add_argument("--out", help="output folder (default: JIXIAO_OUT, else ./jixiao-output)")
    parser.add_argument("--concurrency", type=int, default=1, help="render processes (default 1)")
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run_worker(options.db, options.broker, options.concurrency, options.out)


if __name__ == "__main__":
    main()
