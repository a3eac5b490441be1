"""Helpers shared by the bench scripts: timing, progress lines, the final JSON line, PostgreSQL.

Every bench script prints human-readable progress lines as it goes and, as its very
last line, one JSON object holding all figures, ratios and settings, so CI or a
person can ``tail -n 1`` the output and parse it.

May import: the standard library and psycopg. Never imports jixiao packages, so every
bench script can use it whatever part of jixiao it measures.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: The PostgreSQL server the tests and benches use when neither a flag nor the env names one.
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1/test"


def default_pg_url() -> str:
    """``JIXIAO_TEST_PG`` if set, else the local trust-auth server."""
    return os.environ.get("JIXIAO_TEST_PG") or DEFAULT_PG_URL


def libpq_url(url: str) -> str:
    """``url`` as libpq (psycopg) reads it: ``postgresql+psycopg://`` becomes ``postgresql://``.

    SQLAlchemy-style URLs (as in ``JIXIAO_TEST_PG``) name the driver after a ``+``;
    psycopg and libpq do not accept that, while jixiao's store accepts both forms.
    """
    parts = urlsplit(url)
    if parts.scheme.startswith(("postgresql+", "postgres+")):
        return urlunsplit(parts._replace(scheme="postgresql"))
    return url


# -- output ---------------------------------------------------------------------------


def say(message: str) -> None:
    """One progress line on stdout, flushed at once (the run may be piped)."""
    print(message, flush=True)


def warn(message: str) -> None:
    """One line on stderr."""
    print(message, file=sys.stderr, flush=True)


def emit_json(result: dict[str, Any]) -> None:
    """Print ``result`` as the single, last line of the run: compact, keys in insertion order."""
    print(json.dumps(result, ensure_ascii=False, separators=(",", ":"), default=str), flush=True)


def rounded(value: float | None, digits: int = 3) -> float | None:
    """A figure for the report: 3 significant decimals for ratios, whole numbers for rates."""
    if value is None:
        return None
    return round(value, digits) if abs(value) < 100 else round(value)


def ratio(ours: float | None, other: float | None) -> float | None:
    """``ours / other`` rounded, or None when either side was not measured."""
    if not ours or not other:
        return None
    return round(ours / other, 3)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
    }


# -- timing ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Operations and seconds accumulated over several timed rounds of one measurement.

    Rounds of different contenders are interleaved by the caller, so a burst of load
    from elsewhere on the machine hits all of them instead of one.
    """

    operations: int = 0
    items: int = 0
    seconds: float = 0.0
    round_rates: list[float] = field(default_factory=list)

    def add(self, operations: int, items: int, seconds: float) -> None:
        self.operations += operations
        self.items += items
        self.seconds += seconds
        if seconds > 0:
            self.round_rates.append(items / seconds)

    @property
    def ops_per_s(self) -> float | None:
        return self.operations / self.seconds if self.seconds else None

    @property
    def items_per_s(self) -> float | None:
        return self.items / self.seconds if self.seconds else None

    @property
    def spread(self) -> float | None:
        """(slowest round - fastest round) / overall rate: how noisy the rounds were."""
        if len(self.round_rates) < 2 or not self.items_per_s:
            return None
        return (max(self.round_rates) - min(self.round_rates)) / self.items_per_s


def timed(tally: Tally, operations: int, items: int, run: Callable[[], Any]) -> Any:
    """Run ``run()`` once under ``time.perf_counter`` and add it to ``tally``."""
    started = time.perf_counter()
    result = run()
    tally.add(operations, items, time.perf_counter() - started)
    return result


def chunks(count: int, rounds: int) -> list[int]:
    """``count`` split into ``rounds`` near-equal positive parts (fewer if count < rounds)."""
    rounds = max(1, min(rounds, count))
    base, extra = divmod(count, rounds)
    return [base + (1 if index < extra else 0) for index in range(rounds)]


# -- PostgreSQL -----------------------------------------------------------------------


def pg_url_with_schema(url: str, schema: str) -> str:
    """``url`` with its ``options`` query parameter set to ``-csearch_path=<schema>``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def pg_conninfo(url: str) -> dict[str, str]:
    """The URL's connection parameters (host, port, user, password, dbname) as a dict."""
    from psycopg.conninfo import conninfo_to_dict

    return {k: str(v) for k, v in conninfo_to_dict(libpq_url(url)).items()}


def pg_reachable(url: str, timeout: int = 3) -> str | None:
    """None if a connection to ``url`` works, else the one-line reason it does not."""
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is a runtime dependency
        return f"psycopg is not installed ({error})"
    try:
        with psycopg.connect(url, connect_timeout=timeout, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except Exception as error:
        return " ".join(str(error).split()) or type(error).__name__
    return None


def pg_settings(url: str, names: tuple[str, ...]) -> dict[str, str]:
    """``SHOW name`` for each name on the server at ``url``, plus the server version."""
    import psycopg

    result: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as connection:
        for name in ("server_version", *names):
            row = connection.execute(f"SHOW {name}").fetchone()
            result[name] = row[0] if row else ""
    return result


@contextmanager
def pg_schemas(url: str, *names: str) -> Iterator[dict[str, str]]:
    """Fresh schemas ``bench_<name>_<pid>`` for the block, dropped (with CASCADE) afterwards.

    Yields name → schema name. Schemas left behind by a killed run are not touched:
    they carry another pid.
    """
    import psycopg

    schemas = {name: f"bench_{name}_{os.getpid()}" for name in names}
    with psycopg.connect(url, autocommit=True) as connection:
        for schema in schemas.values():
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schemas
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            for schema in schemas.values():
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
