"""The preparer's edit blocks on demand (docs/decisions/0623): the report page shows each
budget line, indicator and narrative section as its summary with a 编辑 link, and the forms
of one item at a time — the item ``?edit=`` names, or the item of a refused form; the block
alone comes from ``…/edit/{kind}/{id}`` for the page's script, as the page would show it."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from cli.seed_file import project_commands
from tests.web.conftest import OTHER, PAGE, Site, csrf_of, sign_in
from tests.web.page_helpers import command, element, post_form
from tests.workflow.world import NOW
from workflow.service import execute_all

#: The forms the preparer's page shows whatever is edited: the items' blocks aside, each
#: a single form (a new line, a new indicator, the overview's three, a new section) and the
#: action (the sign-out form has no id).
ALWAYS = {
    "submit-form",
    "line-add",
    "indicator-add",
    "functions-form",
    "staffing-form",
    "net-assets-form",
    "narrative-new",
}
#: A form's CSRF token.
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
#: An item's summary on the page: its kind and id, and where its edit block comes from.
SUMMARY = re.compile(
    r'<details class="item" id="(line|indicator|section)-([^"]+)"[^>]* data-edit="([^"]+)"'
)


def _signed_in(site: Site, user: str) -> TestClient:
    client = site.client()
    assert sign_in(client, site, user).status_code == 303
    return client


def _form_ids(page: str) -> set[str]:
    return set(re.findall(r'<form [^>]*id="([^"]+)"', page))


@pytest.fixture
def preparer(site: Site) -> TestClient:
    return _signed_in(site, "zhang.san")


def test_the_page_shows_each_item_as_its_summary_and_no_forms_of_its_own(
    site: Site, preparer: TestClient
) -> None:
    answer = preparer.get(PAGE)
    page = answer.text
    assert _form_ids(page) == ALWAYS
    assert page.count("<form") == len(ALWAYS) + 1 and page.count("<input") < 60
    summaries = SUMMARY.findall(page)
    kinds = [kind for kind, _, _ in summaries]
    assert (kinds.count("line"), kinds.count("indicator"), kinds.count("section")) == (12, 34, 13)
    blocks = 0
    for kind, item, source in summaries:
        assert source == f"{PAGE}/edit/{kind}/{item}"
        summary = element(page, f"{kind}-{item}", "details")
        assert "<summary>" in summary and "<form" not in summary
        assert f'<a href="{PAGE}?edit={kind}-{item}#{kind}-{item}">编辑</a>' in summary
        fetched = preparer.get(source)
        assert fetched.status_code == 200, (kind, item)
        blocks += len(fetched.content)
    # The forms the page no longer carries weigh some three times the page itself.
    assert len(answer.content) < 80_000 and blocks > 2 * len(answer.content)


@pytest.mark.parametrize(
    ("item", "forms"),
    [
        (
            "line-homes",
            {
                "initial-homes",
                "actual-homes",
                "adjust-homes",
                "cancel-homes-adj-7",  # the seed's adjustment of the line
                "rename-homes",
                "remove-homes",
            },
        ),
        (
            "indicator-d04",
            {
                "indicator-actual-d04",
                "indicator-score-d04",
                "indicator-target-d04",
                "indicator-line-d04",
                "indicator-remove-d04",
            },
        ),
        ("section-1.3", {"narrative-1.3"}),
        # A line over others has no amount forms (its adjustments are the seed's).
        ("line-total", {"cancel-total-adj-1", "cancel-total-adj-2", "rename-total"}),
    ],
)
def test_edit_shows_that_items_block_open_and_only_its(
    site: Site, preparer: TestClient, item: str, forms: set[str]
) -> None:
    page = preparer.get(f"{PAGE}?edit={item}").text
    assert _form_ids(page) == ALWAYS | forms
    block = element(page, item, "details")
    assert re.match(r'<details class="item" id="[^"]+" data-[a-z]+="[^"]+" open>', block), block
    assert "data-edit" not in block and "编辑</a>" not in block
    assert _form_ids(block) == forms
    assert set(TOKEN.findall(block)) == {csrf_of(preparer.get("/inbox"))}
    # The other items are as on the page without ?edit=.
    assert len(SUMMARY.findall(page)) == 12 + 34 + 13 - 1


def test_without_javascript_the_edit_link_leads_to_the_forms_and_back(
    site: Site, preparer: TestClient
) -> None:
    page = preparer.get(PAGE).text
    summary = element(page, "line-it", "details")
    (link,) = re.findall(r'<a href="([^"]+)">编辑</a>', summary)
    address, _, anchor = link.partition("#")
    assert anchor == "line-it"
    shown = preparer.get(address).text
    form = element(shown, "actual-it")
    assert 'value="2"' in form
    done = post_form(
        preparer,
        f"{PAGE}/commands/record-actual-spending",
        {"form_id": "actual-it", "revision": "1", "line": "it", "amount": "2.5"},
        page=unquote(address),
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{PAGE}?done=record-actual-spending&edit=line-it#actual-it"
    back = preparer.get(done.headers["location"]).text
    assert 'role="status"' in back and 'value="2.5"' in element(back, "actual-it")


@pytest.mark.parametrize(
    "edit",
    [
        "line-nope",
        "bogus",
        "line-",
        "line-HOMES",
        "<b>",
        "section-",
        "line-ho\x00mes",
        "line-homes\n",
        "line-ho\u200bmes",
        "line-" + "x" * 10_000,
    ],
)
def test_an_edit_naming_no_item_is_ignored_and_not_kept(
    site: Site, preparer: TestClient, edit: str
) -> None:
    plain = preparer.get(PAGE).text
    pages = preparer.app.state.services.pages  # type: ignore[attr-defined]
    kept = len(pages._kept)
    answer = preparer.get(PAGE, params={"edit": edit})
    assert answer.status_code == 200 and answer.text == plain
    assert len(pages._kept) == kept


@pytest.mark.parametrize(
    ("name", "form_id", "fields", "item"),
    [
        (
            "set-indicator-score",
            "indicator-score-d04",
            {"indicator": "d04", "score": "九"},
            "indicator-d04",
        ),
        (
            "edit-narrative",
            "narrative-3.1",
            {"section": "3.1", "title": "", "text": "x", "figures": "donations"},
            "section-3.1",
        ),
        ("rename-budget-line", "rename-it", {"line": "it", "name": "", "reason": "x"}, "line-it"),
    ],
)
def test_a_refused_form_shows_its_items_block_open_with_the_refusal(
    site: Site, preparer: TestClient, name: str, form_id: str, fields: dict, item: str
) -> None:
    before = site.head()
    answer = command(preparer, name, form_id, **fields)
    assert answer.status_code == 422 and site.head() == before, answer.text[-500:]
    block = element(answer.text, item, "details")
    assert f'id="{item}"' in block and block.split(">", 1)[0].endswith(" open")
    assert 'class="refusal"' in element(block, form_id)
    assert _form_ids(answer.text) - ALWAYS == _form_ids(block)
    assert len(SUMMARY.findall(answer.text)) == 12 + 34 + 13 - 1


def test_the_edit_block_is_the_pages_block_with_the_sessions_token(
    site: Site, preparer: TestClient
) -> None:
    page = preparer.get(f"{PAGE}?edit=indicator-d04").text
    fetched = preparer.get(f"{PAGE}/edit/indicator/d04")
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/html")
    assert fetched.text.strip() == element(page, "indicator-d04", "details")
    assert csrf_of(fetched) == csrf_of(preparer.get("/inbox"))
    # Another session of the same preparer gets its own token in the same kept block.
    other = TestClient(preparer.app)
    assert sign_in(other, site, "zhang.san").status_code == 303
    theirs = other.get(f"{PAGE}/edit/indicator/d04")
    assert csrf_of(theirs) == csrf_of(other.get("/inbox")) != csrf_of(fetched)
    assert theirs.text.replace(csrf_of(theirs), csrf_of(fetched)) == fetched.text


def test_the_edit_block_is_only_for_who_edits_the_report(site: Site, preparer: TestClient) -> None:
    block = f"{PAGE}/edit/line/homes"
    assert preparer.get(block).status_code == 200
    # Signed out: to the sign-in page, and back here after.
    anonymous = site.client().get(block, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/sign-in?next={block}"
    # Another department's preparer may not even learn the report exists.
    other = _signed_in(site, "sun.qi")
    refused = other.get(block)
    assert refused.status_code == 404 and "not found" in refused.text
    assert other.get(f"/reports/{OTHER}/2021/edit/line/homes").status_code == 404
    # The department head reads the report but edits nothing: no edit block.
    assert _signed_in(site, "li.si").get(block).status_code == 404
    # Items the report does not have, and kinds of item there are not.
    for missing in ("line/nope", "indicator/homes", "section/9.9", "thing/homes", "line/HOMES"):
        assert preparer.get(f"{PAGE}/edit/{missing}").status_code == 404, missing
    # Submitted, the report is not the preparer's to edit until it comes back.
    assert post_form(preparer, f"{PAGE}/submit", {"revision": "1"}).status_code == 303
    assert preparer.get(block).status_code == 404
    assert 'id="editing"' not in preparer.get(f"{PAGE}?edit=line-homes").text


@pytest.mark.parametrize(
    "item",
    ["ho%00mes", "ho%0Ames", "ho%E2%80%8Bmes", "x" * 5_000, "HOMES"],
)
def test_an_edit_block_of_a_garbled_item_is_refused_in_one_line(
    preparer: TestClient, item: str
) -> None:
    answer = preparer.get(f"{PAGE}/edit/line/{item}")
    assert answer.status_code == 404
    (line,) = [
        line for line in html.unescape(answer.text).splitlines() if "edit block: got" in line
    ]
    assert "edit block: got 'line' " in line and "expected line, indicator or section" in line
    assert "x" * 65 not in line  # the value cut short
    assert preparer.get(PAGE).status_code == 200


def test_a_project_reports_edit_blocks(site: Site, preparer: TestClient) -> None:
    located = [(f"project[{i}]", c) for i, c in enumerate(project_commands())]
    execute_all(site.store, site.users["zhang.san"], located, now=NOW)
    project_page = f"{PAGE}/projects/homes"
    page = preparer.get(project_page).text
    assert f'data-edit="{project_page}/edit/line/fiscal"' in page
    assert 'id="actual-fiscal"' not in page
    fetched = preparer.get(f"{project_page}/edit/line/fiscal")
    assert fetched.status_code == 200
    assert f'action="{project_page}/commands/record-actual-spending"' in fetched.text
    assert fetched.text.strip() == element(
        preparer.get(f"{project_page}?edit=line-fiscal").text, "line-fiscal", "details"
    )
    # A 项目支出 report has no narrative to edit.
    assert preparer.get(f"{project_page}/edit/section/1.3").status_code == 404
    assert preparer.get(f"{project_page}?edit=section-1.3").text == page


def test_kept_pages_are_kept_per_item_edited(site: Site, preparer: TestClient) -> None:
    pages = preparer.app.state.services.pages  # type: ignore[attr-defined]
    kept = len(pages._kept)
    shown = {
        edit: preparer.get(PAGE + edit).text for edit in ("", "?edit=line-homes", "?edit=line-it")
    }
    assert len(set(shown.values())) == 3 and len(pages._kept) == kept + 3
    for edit, page in shown.items():
        assert preparer.get(PAGE + edit).text == page  # kept
    assert len(pages._kept) == kept + 3
    assert 'id="actual-homes"' in shown["?edit=line-homes"]
    assert 'id="actual-homes"' not in shown["?edit=line-it"]
    # A page kept for one item is the page a fresh process renders for it.
    fresh = _signed_in(site, "zhang.san").get(f"{PAGE}?edit=line-homes").text
    (mine,), (theirs,) = set(TOKEN.findall(shown["?edit=line-homes"])), set(TOKEN.findall(fresh))
    assert mine != theirs and fresh.replace(theirs, mine) == shown["?edit=line-homes"]


def test_a_kept_edit_block_shows_a_change_at_once(site: Site, preparer: TestClient) -> None:
    block = f"{PAGE}/edit/line/homes"
    first = preparer.get(block).text
    assert preparer.get(block).text == first  # kept
    assert 'name="amount" value="3.2"' in element(first, "actual-homes")
    done = command(preparer, "record-actual-spending", "actual-homes", line="homes", amount="3.3")
    assert done.status_code == 303
    assert 'name="amount" value="3.3"' in element(preparer.get(block).text, "actual-homes")
    # A refused form is shown on the page it was sent from, never in a kept block.
    refused = command(preparer, "record-actual-spending", "actual-homes", line="homes", amount="x")
    assert refused.status_code == 422
    again = preparer.get(block).text
    assert 'value="3.3"' in element(again, "actual-homes") and 'class="refusal"' not in again
