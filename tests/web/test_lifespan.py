"""While the application serves, the objects its start left alive are frozen out of the
garbage collector's full collections and the collector runs at the serving thresholds; once
it stops they are collectable again and the thresholds are what they were."""

from __future__ import annotations

import asyncio
import gc

import pytest
import sqlalchemy as sa
from fastapi import routing

from projections.token_uses import token_uses_table
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.web.conftest import Site
from web.app import SERVING_THRESHOLDS
from web.schema import sessions_table, signin_failures_table
from web.warm_start import route_once


def test_the_start_is_frozen_while_serving_and_let_go_at_the_end(site: Site) -> None:
    gc.unfreeze()
    with site.client() as client:
        frozen = gc.get_freeze_count()
        # Everything alive at the start: the modules, the application, its templates.
        assert frozen > 10_000, frozen
        assert client.get("/sign-in").status_code == 200
        # A request's own objects are not frozen with them (frozen ones may be freed).
        assert gc.get_freeze_count() <= frozen
    assert gc.get_freeze_count() == 0


def test_the_collector_runs_at_the_serving_thresholds_until_the_end(site: Site) -> None:
    before = gc.get_threshold()
    assert before != SERVING_THRESHOLDS
    with site.client() as client:
        assert gc.get_threshold() == SERVING_THRESHOLDS
        assert client.get("/sign-in").status_code == 200
        assert gc.get_threshold() == SERVING_THRESHOLDS
    assert gc.get_threshold() == before


def test_every_route_is_ready_before_the_first_request(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FastAPI works out each included route's matching the first time a request meets its
    # router; the start's warm-up request does that, so no user's request pays for it.
    built: list[object] = []
    build = routing._IncludedRouter._build_effective_context

    def counted(self: routing._IncludedRouter, route: object) -> object:
        built.append(route)
        return build(self, route)

    monkeypatch.setattr(routing._IncludedRouter, "_build_effective_context", counted)
    with site.client() as client:
        at_start = len(built)
        assert at_start >= len(client.app.routes), at_start  # type: ignore[attr-defined]
        assert client.get("/sign-in").status_code == 200
        assert client.get(f"/reports/{DEPARTMENT_CODE}/{YEAR}").status_code in (200, 303)
        assert client.get("/api/v1/reports", headers=site.bearer("zhang.san")).status_code == 200
        assert len(built) == at_start


def test_the_warm_up_request_is_not_found_and_records_nothing(site: Site) -> None:
    tables = (sessions_table, signin_failures_table, token_uses_table)

    def counts() -> list[int | None]:
        with site.store.engine.connect() as connection:
            return [
                connection.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                for t in tables
            ]

    app = site.client().app
    head, before = site.store.head_position(), counts()
    assert asyncio.run(route_once(app)) == 404
    assert site.store.head_position() == head
    assert counts() == before
