"""Rendering figures: warm render times, sign-off → artifact latency, reports per second.

Run from the repository root (Redis on 127.0.0.1:6379, as the tests use)::

    python bench/render.py                       # defaults below
    python bench/render.py --reports 20 --latency-samples 10

Three measurements, on the seed report (姑苏区红十字会 2021, 8 PDF pages):

* ``warm``: in this process, after a warm-up, the median and best time to render the
  signed-off revision to HTML, PDF, XLSX and DOCX (from the report view; loading the view
  from the log is timed separately as ``load_view``);
* ``latency``: the last sign-off of a report committed → its ``ReportRendered`` event
  committed (all four files written and hashed), through the outbox relay (a thread
  here), Redis and one Celery worker subprocess; one report at a time, p50 and p95;
* ``throughput``: ``--reports`` reports signed off in a burst, rendered by two Celery
  worker subprocesses (one pool process each): reports per second from the first
  sign-off to the last ``ReportRendered``.

The store is a SQLite file in ``--dir`` (default /dev/shm when it exists: the store's own
fsync cost is measured by bench/store.py, not here). The last line printed is one JSON
object with every figure, the goals and whether they are met.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
import sqlalchemy as sa

from bench._common import emit_json, machine, say
from events import EventStore
from events.schema import events_table
from projections.migrations import open_store
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.worker.signed_off import Office, add_department, open_office, prepare, sign_off
from worker.document import report_document
from worker.pdf import render_pdf
from worker.process import WorkerProcess
from worker.render import TEMPLATE_VERSION, provenance_of, signed_off_view, warm_up
from worker.revision import find_signed_off
from worker.runner import relay_for
from worker.settings import WorkerSettings, load_settings
from worker.templating import render_html
from worker.word import render_docx
from worker.xlsx import render_xlsx

GOALS = {"pdf_warm_s": 0.5, "signoff_to_pdf_p95_s": 2.0}
REDIS_URL = "redis://127.0.0.1:6379/0"


def _times(run: Callable[[], Any], rounds: int) -> dict[str, float]:
    """Wall-clock median and best of ``rounds`` runs, and the median CPU time of this process
    (other load on the machine stretches the wall clock, not the CPU time)."""
    wall, cpu = [], []
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return {
        "median_s": round(statistics.median(wall), 4),
        "best_s": round(min(wall), 4),
        "cpu_median_s": round(statistics.median(cpu), 4),
    }


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return round(ordered[index], 3)


def measure_warm(office: Office, rounds: int) -> dict[str, Any]:
    """Render times of the signed-off seed report in this process, after a warm-up."""
    warm_up()
    signed = find_signed_off(office.store, DEPARTMENT_CODE, YEAR, 1)
    view = signed_off_view(office.store, signed)
    provenance = provenance_of(office.store, signed, view, TEMPLATE_VERSION)
    document = report_document(view, provenance)
    html = render_html(document)
    render_pdf(html)
    result = {
        "load_view": _times(lambda: signed_off_view(office.store, signed), rounds),
        "html": _times(lambda: render_html(report_document(view, provenance)), rounds),
        "pdf": _times(lambda: render_pdf(html), rounds),
        "xlsx": _times(lambda: render_xlsx(document.table, provenance.moment), rounds),
        "docx": _times(lambda: render_docx(document), rounds),
    }
    for name, figures in result.items():
        say(
            f"warm {name:9s} median {figures['median_s']:.4f} s, best {figures['best_s']:.4f} s, "
            f"CPU {figures['cpu_median_s']:.4f} s"
        )
    return result


class RelayThread:
    """The outbox relay, passing over the outbox in a thread as ``run_worker`` does."""

    def __init__(self, settings: WorkerSettings, store: EventStore) -> None:
        self.relay = relay_for(settings, store)
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self.relay.run, args=(self.stop.is_set, settings.relay_interval)
        )

    def __enter__(self) -> RelayThread:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def _wait_rendered(store: EventStore, departments: list[str], timeout: float) -> None:
    """Wait for a ``ReportRendered`` of each department's report, reading only new events."""
    wanted = {f"report:{department}:{YEAR}" for department in departments}
    after = 0
    deadline = time.monotonic() + timeout
    while wanted:
        with store.engine.connect() as connection:
            rows = connection.execute(
                sa.select(events_table.c.position, events_table.c.stream_id).where(
                    events_table.c.position > after,
                    events_table.c.event_type == "ReportRendered",
                )
            ).all()
        for position, stream_id in rows:
            wanted.discard(stream_id)
            after = max(after, position)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(wanted)} reports not rendered within {timeout} s")
        time.sleep(0.01)


def prepared_departments(office: Office, prefix: str, count: int) -> list[str]:
    """``count`` departments whose seed report waits only for the last signature."""
    codes = [f"{prefix}-{index:03d}" for index in range(count)]
    started = time.perf_counter()
    for code in codes:
        add_department(office, code)
        prepare(office, code)
    say(f"prepared {count} reports ({prefix}) in {time.perf_counter() - started:.1f} s")
    return codes


def measure_latency(office: Office, settings: WorkerSettings, samples: int) -> dict[str, Any]:
    """Sign-off → ReportRendered, one report at a time, through Redis and one worker."""
    codes = prepared_departments(office, "lat", samples + 1)
    latencies = []
    log = settings.out_dir.parent / "latency-worker.log"
    with WorkerProcess(settings, log_path=log) as _, RelayThread(settings, office.store):
        for index, code in enumerate(codes):
            started = time.perf_counter()
            sign_off(office, code)
            _wait_rendered(office.store, [code], 60)
            if index:  # the first render of a pool process pays for its imports
                latencies.append(time.perf_counter() - started)
    result = {
        "samples": len(latencies),
        "p50_s": _percentile(latencies, 0.5),
        "p95_s": _percentile(latencies, 0.95),
        "max_s": round(max(latencies), 3),
    }
    say(f"sign-off → rendered: p50 {result['p50_s']} s, p95 {result['p95_s']} s")
    return result


def measure_throughput(office: Office, settings: WorkerSettings, reports: int) -> dict[str, Any]:
    """``reports`` sign-offs in a burst, rendered by two worker subprocesses."""
    codes = prepared_departments(office, "tp", reports)
    folder = settings.out_dir.parent
    workers = [WorkerProcess(settings, log_path=folder / f"worker-{n}.log") for n in (1, 2)]
    for worker in workers:
        worker.start()
    try:
        with RelayThread(settings, office.store):
            started = time.perf_counter()
            for code in codes:
                sign_off(office, code)
            signed = time.perf_counter() - started
            _wait_rendered(office.store, codes, 30 + reports * 5)
            elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.stop()
    result = {
        "reports": reports,
        "workers": len(workers),
        "signing_s": round(signed, 2),
        "elapsed_s": round(elapsed, 2),
        "reports_per_s": round(reports / elapsed, 2),
    }
    say(f"{reports} reports through 2 workers in {elapsed:.1f} s: {result['reports_per_s']}/s")
    return result


def main(argv: list[str] | None = None) -> None:
    """Parse the options, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100, help="reports in the burst")
    parser.add_argument("--latency-samples", type=int, default=20, help="reports timed alone")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of each warm render")
    parser.add_argument("--broker", default=REDIS_URL, help="Redis URL (a key prefix isolates)")
    default_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None
    parser.add_argument("--dir", default=default_dir, help="where the store and files go")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="jixiao-bench-", dir=options.dir) as scratch:
        folder = Path(scratch)
        db_url = f"sqlite:///{folder / 'jixiao.db'}"
        prefix = f"jixiao-bench-{uuid.uuid4().hex[:8]}:"
        settings = load_settings(
            {}, db_url=db_url, broker_url=options.broker, out_dir=folder / "out"
        ).but(broker_prefix=prefix)
        office = open_office(open_store(db_url, create=True))
        prepare(office)
        sign_off(office)
        try:
            warm = measure_warm(office, options.rounds)
            latency = measure_latency(office, settings, options.latency_samples)
            throughput = measure_throughput(office, settings, options.reports)
        finally:
            client = redis.Redis.from_url(options.broker)
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()

    met = {
        "pdf_warm_s": warm["pdf"]["median_s"] <= GOALS["pdf_warm_s"],
        "signoff_to_pdf_p95_s": latency["p95_s"] <= GOALS["signoff_to_pdf_p95_s"],
    }
    emit_json(
        {
            "bench": "render",
            "template_version": TEMPLATE_VERSION,
            "warm": warm,
            "latency": latency,
            "throughput": throughput,
            "goals": GOALS,
            "met": met,
            "settings": {"broker": "redis", "store": "sqlite", "dir": options.dir or "tmp"},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
