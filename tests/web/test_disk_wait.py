"""A command served on the event loop commits without the loop waiting for the disk, and is
answered once its change is on the disk (decision 0636); a page waits for nothing."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.web.conftest import PAGE, REPORT, Site, sign_in


def _record_actual(site: Site, client: TestClient, amount: str) -> httpx.Response:
    return client.post(
        f"{REPORT}/commands/record-actual-spending",
        json={"line": "homes", "amount": amount},
        headers=site.bearer("zhang.san"),
    )


def test_a_command_is_answered_after_its_log_is_synced(site: Site, thread_syncs: list) -> None:
    head = site.head()
    answer = _record_actual(site, site.client(), "4.10")
    assert answer.status_code == 200, answer.text
    assert site.head() == head + 1
    database = site.url.removeprefix("sqlite:///")
    assert thread_syncs == [{f"{database}-wal"}]


def test_a_refused_command_and_a_page_wait_for_no_disk(site: Site, thread_syncs: list) -> None:
    client = site.client()
    refused = _record_actual(site, client, "lots")
    assert refused.status_code == 422, refused.text
    assert thread_syncs == []
    assert sign_in(client, site, "zhang.san").status_code == 303
    thread_syncs.clear()  # a sign-in may note the token's use in the log
    assert client.get(PAGE).status_code == 200
    assert thread_syncs == []
