"""The server on PostgreSQL: sign in, and a command recorded and read back."""

from __future__ import annotations

import pytest

from tests.web.conftest import PAGE, REPORT, Site, csrf_of, sign_in

pytestmark = pytest.mark.postgres


def test_sign_in_and_a_command_on_postgresql(pg_site: Site) -> None:
    client = pg_site.client()
    assert sign_in(client, pg_site, "zhang.san").status_code == 303
    fixated = client.cookies["jixiao_session"]
    assert sign_in(client, pg_site, "zhang.san").status_code == 303
    assert client.cookies["jixiao_session"] != fixated
    before = pg_site.head()
    done = client.post(
        f"{PAGE}/submit",
        data={"csrf_token": csrf_of(client.get(PAGE)), "revision": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and pg_site.head() == before + 1
    view = client.get(REPORT, headers=pg_site.bearer("wang.wu")).json()
    assert view["stage"] == "submitted" and view["submitted_by"] == "zhang.san"
    refused = client.post(
        f"{REPORT}/commands/approve-report", json={}, headers=pg_site.bearer("zhang.san")
    )
    assert refused.status_code == 403 and pg_site.head() == before + 1
    assert "\n" not in refused.json()["error"]
