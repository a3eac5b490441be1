"""What the page tests share: posting a page's form as a browser would, finding a form or a
row in a page, and the report's events as the store holds them."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from events.model import RecordedEvent
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.web.conftest import PAGE, Site, csrf_of

STREAM = f"report:{DEPARTMENT_CODE}:{YEAR}"


def post_form(
    client: TestClient,
    path: str,
    data: dict[str, Any],
    *,
    page: str = PAGE,
    files: dict[str, Any] | None = None,
) -> httpx.Response:
    """Post ``data`` to ``path`` with the CSRF token of ``page``, as its form would; the
    answer itself (a redirect is not followed)."""
    token = csrf_of(client.get(page))
    return client.post(
        path, data={"csrf_token": token, **data}, files=files, follow_redirects=False
    )


def command(
    client: TestClient, command_name: str, form_id: str, /, **fields: Any
) -> httpx.Response:
    """Send the report page's form ``form_id`` for the command ``command_name``."""
    return post_form(
        client,
        f"{PAGE}/commands/{command_name}",
        {"form_id": form_id, "revision": "1", **fields},
    )


def element(page: str, element_id: str, tag: str = "form") -> str:
    """The HTML of the ``<tag id="element_id">`` element (not nested in its own kind)."""
    found = re.search(rf'<{tag}[^>]* id="{re.escape(element_id)}"[^>]*>.*?</{tag}>', page, re.S)
    assert found, element_id
    return found.group(0)


def row(page: str, attribute: str) -> str:
    """The HTML of the table row marked ``data-…="…"``."""
    found = re.search(rf"<tr {attribute}[^>]*>.*?</tr>", page, re.DOTALL)
    assert found, attribute
    return found.group(0)


def events(site: Site, stream: str = STREAM) -> list[RecordedEvent]:
    """Every event of the report's stream, in order."""
    return site.store.read_stream(stream)
