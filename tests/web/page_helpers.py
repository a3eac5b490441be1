"""What the page tests share: posting a page's form as a browser would, the report page with
the edit block of a form's item, finding a form or a row in a page, and the report's events
as the store holds them."""

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


#: The prefixes of the edit blocks' form ids and the kind of item each is a form of, longest
#: first (``indicator-line-d04`` before any ``line``).
ITEM_FORMS = (
    ("indicator-actual-", "indicator"),
    ("indicator-score-", "indicator"),
    ("indicator-target-", "indicator"),
    ("indicator-line-", "indicator"),
    ("indicator-remove-", "indicator"),
    ("initial-", "line"),
    ("actual-", "line"),
    ("adjust-", "line"),
    ("rename-", "line"),
    ("remove-", "line"),
    ("narrative-", "section"),
)


def item_of(form_id: str) -> str | None:
    """The item whose edit block holds the form ``form_id``, as ``?edit=`` names it
    (``actual-homes`` → ``line-homes``, ``cancel-homes-adj-1`` → ``line-homes``); None for
    a form the page shows without asking (``line-add``, ``staffing-form``, the actions)."""
    cancel = re.fullmatch(r"cancel-(.+)-adj-\d+", form_id)
    if cancel:
        return f"line-{cancel.group(1)}"
    for prefix, kind in ITEM_FORMS:
        if form_id.startswith(prefix) and form_id != "narrative-new":
            return f"{kind}-{form_id.removeprefix(prefix)}"
    return None


def editing(client: TestClient, form_id: str, *, page: str = PAGE) -> str:
    """The report page as a preparer gets it to use the form ``form_id``: with its item's
    edit block (``?edit=``, the item's 编辑 link), or as it is for a form shown without."""
    item = item_of(form_id)
    answer = client.get(f"{page}?edit={item}" if item else page)
    assert answer.status_code == 200, answer.text[-500:]
    return answer.text


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
