"""What the server keeps between requests (the report page kept whole per report version
and viewer, its rendered edit blocks, each process's fold of a report) never shows anything
stale, another session's CSRF token, another viewer's page or another report's content."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import orjson
import pytest
from fastapi.testclient import TestClient

from cli.seed_file import seed_commands
from projections.registry import projection_runner
from tests.seed import DEADLINE, DEPARTMENT_CODE, YEAR
from tests.web.conftest import CSRF, OTHER, PAGE, REPORT, Site, csrf_of, sign_in
from tests.web.page_helpers import command, editing, element, row
from web import reading
from web.fragments import KeptList
from web.identity import _Users
from web.kept_pages import KeptPages
from web.kept_rows import KeptIndicatorRows
from web.page_forms import FailedForm
from web.recent import ByIdentity
from web.routers.pages_reports import _scheme
from web.templating import templates
from worker.evaluation_table import indicator_rows
from workflow.administration import GrantRole, OpenFiscalYear
from workflow.commands import RecordActualSpending
from workflow.service import execute, execute_all, remind_of_deadlines, revoke_token

OTHER_PAGE = f"/reports/{OTHER}/{YEAR}"


def _signed_in(site: Site, user: str, app_of: TestClient | None = None) -> TestClient:
    """A client signed in as ``user``: on an application of its own, or on ``app_of``'s
    (which then shares its kept blocks and folds)."""
    client = site.client() if app_of is None else TestClient(app_of.app)
    assert sign_in(client, site, user).status_code == 303
    return client


def _tokens(page: str) -> set[str]:
    return set(CSRF.findall(page))


def _amount(page: str, form_id: str) -> str:
    form = element(page, form_id)
    found = re.search(r'name="amount" value="([^"]*)"', form)
    assert found, form
    return found.group(1)


def _homes_actual(file: dict) -> str:
    (homes,) = [line for line in file["budget"]["lines"] if line["id"] == "homes"]
    return homes["actual"]


@pytest.mark.parametrize("edit", ["", "?edit=line-homes", "?edit=indicator-d04"])
def test_a_page_of_kept_blocks_is_the_page_rendered_afresh(site: Site, edit: str) -> None:
    first = _signed_in(site, "zhang.san")
    rendered = first.get(PAGE + edit).text  # renders every block and keeps it
    kept = first.get(PAGE + edit).text  # from the kept blocks
    assert kept == rendered
    fresh_app = _signed_in(site, "zhang.san")  # another process: nothing kept
    fresh = fresh_app.get(PAGE + edit).text
    (mine,), (theirs,) = _tokens(kept), _tokens(fresh)
    assert mine != theirs
    assert fresh.replace(theirs, mine) == kept
    assert kept.count(f'value="{mine}"') == kept.count("<form") >= 8  # every form


def test_each_session_gets_its_own_csrf_token_in_every_kept_block(site: Site) -> None:
    first = _signed_in(site, "zhang.san")
    second = _signed_in(site, "zhang.san", app_of=first)
    one, other = first.get(PAGE).text, second.get(PAGE).text
    assert _tokens(one) == {csrf_of(first.get("/inbox"))}
    assert _tokens(other) == {csrf_of(second.get("/inbox"))}
    assert _tokens(one) != _tokens(other)
    # The token is each session's: a form posted with it is accepted.
    done = second.post(
        f"{PAGE}/commands/record-actual-spending",
        data={
            "csrf_token": _tokens(other).pop(),
            "form_id": "actual-homes",
            "line": "homes",
            "amount": "3.4",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[-400:]


def test_a_change_shows_at_once_and_a_refused_form_is_never_kept(site: Site) -> None:
    preparer = _signed_in(site, "zhang.san")
    assert _amount(editing(preparer, "actual-homes"), "actual-homes") == "3.2"
    assert (
        command(
            preparer, "record-actual-spending", "actual-homes", line="homes", amount="3.3"
        ).status_code
        == 303
    )
    assert _amount(editing(preparer, "actual-homes"), "actual-homes") == "3.3"
    refused = command(
        preparer, "record-actual-spending", "actual-homes", line="homes", amount="三点三"
    )
    assert refused.status_code == 422
    assert _amount(refused.text, "actual-homes") == "三点三"
    assert 'role="alert"' in element(refused.text, "actual-homes")
    again = editing(preparer, "actual-homes")
    assert _amount(again, "actual-homes") == "3.3"
    assert "三点三" not in again and 'role="alert"' not in again


def test_the_blocks_of_two_reports_alike_never_mix(site: Site) -> None:
    # The other department's report holds the same seed: its items are the same, cell for cell.
    located = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands(OTHER, YEAR))]
    execute_all(site.store, site.users["sun.qi"], located)
    mine = _signed_in(site, "zhang.san")
    theirs = _signed_in(site, "sun.qi", app_of=mine)
    page, other = mine.get(PAGE).text, theirs.get(OTHER_PAGE).text
    assert f'action="{PAGE}/commands/' in page and f"{OTHER_PAGE}/" not in page
    assert f'action="{OTHER_PAGE}/commands/' in other and f"{PAGE}/" not in other
    # The head of the department reads the report but edits nothing: no edit block at all.
    head = _signed_in(site, "li.si", app_of=mine)
    assert 'id="editing"' not in head.get(PAGE).text


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_change_made_by_another_process_is_decided_on(site: Site, through: str) -> None:
    server = site.client()
    bearer = site.bearer("zhang.san")
    post = f"{REPORT}/commands/record-actual-spending"
    first = server.post(post, json={"line": "homes", "amount": "3.3"}, headers=bearer)
    assert first.json()["recorded"] == 1, first.text
    # This process now holds the report folded with 3.3, and its page shows it.
    assert _homes_actual(server.get(f"{REPORT}/file", headers=bearer).json()) == "3.3"
    preparer = _signed_in(site, "zhang.san", app_of=server)
    assert _amount(editing(preparer, "actual-homes"), "actual-homes") == "3.3"
    # Another process (the CLI on the database, another server worker) changes it back.
    execute(
        site.store,
        site.users["zhang.san"],
        RecordActualSpending(department=DEPARTMENT_CODE, year=YEAR, line="homes", amount="3.2"),
    )
    if through == "page":
        assert _amount(editing(preparer, "actual-homes"), "actual-homes") == "3.2"
    assert _homes_actual(server.get(f"{REPORT}/file", headers=bearer).json()) == "3.2"
    # Decided on the report as it is now: 3.2 again changes nothing, 3.3 changes it.
    again = server.post(post, json={"line": "homes", "amount": "3.2"}, headers=bearer)
    assert again.json()["recorded"] == 0, again.text
    changed = server.post(post, json={"line": "homes", "amount": "3.3"}, headers=bearer)
    assert changed.json()["recorded"] == 1, changed.text


def test_a_kept_page_follows_its_viewer_and_ends_with_their_session(site: Site) -> None:
    head = _signed_in(site, "li.si")
    assert 'id="editing"' not in head.get(PAGE).text  # kept: the head reads, edits nothing
    # Granted the preparer's role, the same viewer gets the page with the edit blocks.
    execute(
        site.store,
        site.users["admin"],
        GrantRole(user_id="li.si", role="preparer", department=DEPARTMENT_CODE),
    )
    page = head.get(PAGE).text
    assert 'id="editing"' in page and _tokens(page) == {csrf_of(head.get("/inbox"))}
    # A revoked token ends the session before any kept page is looked at.
    token_id = site.users["li.si"].token.partition(".")[0]
    revoke_token(site.store, site.users["admin"], "li.si", token_id)
    out = head.get(PAGE, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, f"/sign-in?next={PAGE}")


class _CountedReads:
    """The site's store, counting the user streams read in full."""

    def __init__(self, store: object) -> None:
        self.store, self.read = store, 0

    def stream_version(self, stream_id: str) -> int:
        return self.store.stream_version(stream_id)  # type: ignore[attr-defined]

    def read_stream(self, stream_id: str) -> list:
        self.read += 1
        return self.store.read_stream(stream_id)  # type: ignore[attr-defined]


def test_a_user_is_read_again_when_their_stream_moves_and_only_then(site: Site) -> None:
    reads = _CountedReads(site.store)
    users = _Users(reads)  # type: ignore[arg-type]
    first = users.get("li.si")
    assert users.get("li.si") is first and reads.read == 1
    assert "preparer" not in first.actor().roles_for(DEPARTMENT_CODE)
    execute(
        site.store,
        site.users["admin"],
        GrantRole(user_id="li.si", role="preparer", department=DEPARTMENT_CODE),
    )
    granted = users.get("li.si")
    assert reads.read == 2 and "preparer" in granted.actor().roles_for(DEPARTMENT_CODE)
    assert not users.get("no.such.user").registered


def test_a_page_whose_report_is_current_waits_for_no_other_change(site: Site) -> None:
    preparer = _signed_in(site, "zhang.san")
    kept = editing(preparer, "actual-homes")
    runner = projection_runner(site.store)
    # Another department's report changes and nobody brings the read models up to it.
    located = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands(OTHER, YEAR))]
    execute_all(site.store, site.users["sun.qi"], located)
    behind = min(runner.positions().values())
    assert behind < site.head()
    # This report's row is its stream's latest version: the page is served as it was, and
    # the read models are left for the reads that need the other change.
    assert editing(preparer, "actual-homes") == kept
    assert min(runner.positions().values()) == behind
    # A change to this report made elsewhere is brought in before the page is shown.
    execute(
        site.store,
        site.users["zhang.san"],
        RecordActualSpending(department=DEPARTMENT_CODE, year=YEAR, line="homes", amount="3.3"),
    )
    assert _amount(editing(preparer, "actual-homes"), "actual-homes") == "3.3"
    assert min(runner.positions().values()) == site.head()


def test_an_inbox_waits_only_for_changes_to_what_it_lists(site: Site) -> None:
    preparer = _signed_in(site, "zhang.san")
    assert DEPARTMENT_CODE in preparer.get("/inbox").text
    runner = projection_runner(site.store)
    # Another department's report changes and nobody brings the read models up to it: the
    # preparer's inbox lists nothing of that department, so it is read as it stands.
    located = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands(OTHER, YEAR))]
    execute_all(site.store, site.users["sun.qi"], located)
    behind = min(runner.positions().values())
    assert behind < site.head()
    assert preparer.get("/inbox").status_code == 200
    assert preparer.get("/api/v1/inbox").status_code == 200
    assert min(runner.positions().values()) == behind
    # The other department's preparer waits for it: their inbox lists their report.
    other = _signed_in(site, "sun.qi")
    assert OTHER in other.get("/inbox").text
    assert min(runner.positions().values()) == site.head()
    # A change to the preparer's own report is brought in before their inbox is read.
    execute(
        site.store,
        site.users["zhang.san"],
        RecordActualSpending(department=DEPARTMENT_CODE, year=YEAR, line="homes", amount="3.3"),
    )
    assert preparer.get("/inbox").status_code == 200
    assert min(runner.positions().values()) == site.head()


def test_a_command_brings_the_read_models_up_to_its_change(site: Site) -> None:
    server = site.client()
    runner = projection_runner(site.store)
    post = f"{REPORT}/commands/record-actual-spending"
    done = server.post(
        post, json={"line": "homes", "amount": "3.3"}, headers=site.bearer("zhang.san")
    )
    assert done.json()["recorded"] == 1, done.text
    assert set(runner.positions().values()) == {site.head()}


def test_a_kept_page_is_kept_per_address_it_was_asked_at(site: Site) -> None:
    preparer = _signed_in(site, "zhang.san")
    assert 'href="http://testserver/static/jixiao.css"' in preparer.get(PAGE).text
    # The stylesheet's link is made from the request's address: another one is another page.
    other = preparer.get(PAGE, headers={"host": "jixiao.example"}).text
    assert 'href="http://jixiao.example/static/jixiao.css"' in other
    assert "testserver" not in other
    assert "jixiao.example" not in preparer.get(PAGE).text


def test_a_project_report_page_is_kept_apart_and_fresh_like_any_report(site: Site) -> None:
    from cli.seed_file import project_commands

    located = [(f"project[{i}]", c) for i, c in enumerate(project_commands())]
    execute_all(site.store, site.users["zhang.san"], located)
    project_page = f"{PAGE}/projects/homes"
    preparer = _signed_in(site, "zhang.san")
    department, project = preparer.get(PAGE).text, preparer.get(project_page).text
    # The same department, year, viewer and stage: only the project tells the pages apart.
    assert f'action="{project_page}/commands/' in project
    assert f"{project_page}/" not in department
    assert preparer.get(project_page).text == project  # kept
    fiscal = editing(preparer, "actual-fiscal", page=project_page)
    assert _amount(fiscal, "actual-fiscal") == "3.2"
    # A change to the project report made elsewhere is brought in before its page is shown,
    # and leaves the 部门整体 report's kept page as it was.
    execute(
        site.store,
        site.users["zhang.san"],
        RecordActualSpending(
            department=DEPARTMENT_CODE, year=YEAR, project_code="homes", line="fiscal", amount="3.3"
        ),
    )
    assert _amount(editing(preparer, "actual-fiscal", page=project_page), "actual-fiscal") == "3.3"
    assert preparer.get(PAGE).text == department


@pytest.mark.parametrize("edit", ["", "?edit=line-homes"])
def test_a_page_after_a_change_from_kept_blocks_and_rows_is_the_page_rendered_afresh(
    site: Site, edit: str
) -> None:
    preparer = _signed_in(site, "zhang.san")
    before = preparer.get(PAGE + edit).text  # every edit block and table row rendered and kept
    done = command(preparer, "record-actual-spending", "actual-homes", line="homes", amount="3.3")
    assert done.status_code == 303
    after = preparer.get(PAGE + edit).text  # the changed line's block and rows rendered again
    assert after != before
    if edit:
        assert _amount(after, "actual-homes") == "3.3"
    fresh = _signed_in(site, "zhang.san").get(PAGE + edit).text  # another process
    (mine,), (theirs,) = _tokens(after), _tokens(fresh)
    assert fresh.replace(theirs, mine) == after
    # The 自评价表's row of the line and of the lines over it show the new sums.
    homes = row(after, 'data-line="homes"')
    assert '<td class="figure">3.30</td>' in homes and homes not in before


def test_the_years_scheme_is_kept_once_the_year_is_opened(site: Site) -> None:
    services = _signed_in(site, "zhang.san").app.state.services  # type: ignore[attr-defined]
    assert _scheme(services, YEAR) is not None and _scheme(services, YEAR).id == "default"
    # A year not opened has no scheme yet, and is read again until it is opened.
    assert _scheme(services, YEAR + 1) is None
    execute(
        site.store,
        site.users["admin"],
        OpenFiscalYear(year=YEAR + 1, scheme="default", deadline=date(YEAR + 2, 3, 31)),
    )
    opened = _scheme(services, YEAR + 1)
    assert opened is not None and opened == _scheme(services, YEAR)


def test_one_call_per_list_gives_what_a_loop_of_block_calls_gives() -> None:
    env = templates().env
    fragment = env.globals["fragment"]
    lines = [
        {
            "line": {
                "id": "a",
                "name": "甲 <b>",
                "leaf": True,
                "initial": "1",
                "actual": "2",
                "adjustment_items": [],
            },
            "comments": [],
        },
        {
            "line": {"id": "b", "name": "乙", "leaf": False, "adjustment_items": []},
            "comments": [{"role": "department_head", "by": "li.si", "comment": "改 & 补"}],
        },
    ]
    shared = {"base": "/reports/x/2021", "revision": 2, "adjustment_kinds": {"in_year": "调整"}}
    each = str(fragment.each("line_block", lines, csrf="token-1", **shared))
    loop = "".join(f"{fragment('line_block', csrf='token-1', **shared, **i)}\n" for i in lines)
    assert each == loop and "token-1" in each and fragment.placeholder not in each
    # Kept: asked again with another token, the same blocks with that token.
    again = str(fragment.each("line_block", lines, csrf="token-2", **shared))
    assert again == loop.replace("token-1", "token-2")
    # A refused form: rendered afresh with what was typed, and never kept.
    failed = FailedForm("actual-a", {"amount": "二"}, "amount: got 二", "amount")
    refused = str(fragment.each("line_block", lines, csrf="token-3", failed=failed, **shared))
    assert 'value="二"' in refused
    assert 'value="二"' not in str(fragment.each("line_block", lines, csrf="token-3", **shared))
    assert str(fragment.each("line_block", [], csrf="token-1", **shared)) == ""
    # The whole list is kept too: one item changed is that list no more, and shows.
    changed = [{**lines[0], "line": {**lines[0]["line"], "actual": "9"}}, lines[1]]
    after = str(fragment.each("line_block", changed, csrf="token-1", **shared))
    assert after != each
    assert after == "".join(
        f"{fragment('line_block', csrf='token-1', **shared, **i)}\n" for i in changed
    )
    assert str(fragment.each("line_block", lines, csrf="token-1", **shared)) == each


def test_kept_pages_are_kept_encoded_with_each_requests_token() -> None:
    pages = KeptPages("PLACEHOLDER", size=100)
    page = "<p>页</p><input value='PLACEHOLDER'><input value='PLACEHOLDER'>"
    assert pages.keep("a", page, "t1") == page.replace("PLACEHOLDER", "t1").encode()
    assert pages.get("a", "t2") == page.replace("PLACEHOLDER", "t2").encode()
    pages.keep("b", page, "t1")  # over the size: the least recently used goes
    assert pages.get("a", "t1") is None and pages.get("b", "t3") is not None


def test_a_page_after_its_own_change_takes_the_view_its_catch_up_stored(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    preparer = _signed_in(site, "zhang.san")
    preparer.get(PAGE)
    done = command(preparer, "record-actual-spending", "actual-homes", line="homes", amount="3.4")
    assert done.status_code == 303
    services = preparer.app.state.services  # type: ignore[attr-defined]
    read_back: list[object] = []
    real_read = reading.report_row_and_document

    def counted(*args: object, **kwargs: object) -> object:
        read_back.append(args)
        return real_read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "report_row_and_document", counted)
    after = preparer.get(PAGE).text
    assert read_back == []  # the view came from this process's catch-up, not the database
    fresh = _signed_in(site, "zhang.san").get(PAGE).text  # another process reads it back
    assert read_back != []
    (mine,), (theirs,) = _tokens(after), _tokens(fresh)
    assert fresh.replace(theirs, mine) == after
    # Rendering the page changed nothing of the view the catch-up keeps and stored.
    row_now, stored = real_read(site.store.engine, DEPARTMENT_CODE, YEAR)
    kept = services.reads.states.kept_view(row_now.report, row_now.version)
    assert kept is not None and orjson.dumps(kept) == orjson.dumps(stored)


def test_a_change_brings_the_read_models_up_to_itself_and_no_further(site: Site) -> None:
    reads = reading.Reads(site.store)
    reads.setup()
    reads.caught_up()
    mine = execute(
        site.store,
        site.users["zhang.san"],
        RecordActualSpending(department=DEPARTMENT_CODE, year=YEAR, line="homes", amount="1"),
    )
    # Another server process's change, recorded after this one, which it applies itself.
    located = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands(OTHER, YEAR))]
    execute_all(site.store, site.users["sun.qi"], located)
    reads.after_change(mine)
    assert set(reads.runner.positions().values()) == {mine[-1].position}
    assert mine[-1].position < site.head()
    # A read that needs the other change brings the read models to the head.
    reads.caught_up()
    assert set(reads.runner.positions().values()) == {site.head()}


def test_indicator_rows_are_kept_by_the_view_part_and_scores_they_show() -> None:
    view = orjson.loads(
        orjson.dumps(
            {
                "indicators": [
                    {
                        "id": f"d0{n}",
                        "category": "产出指标",
                        "project": None,
                        "name": f"指标{n}",
                        "target": {"raw": "≥1"},
                        "actual": {"raw": "2"},
                        "deviation": None,
                        "status": "met",
                        "weight": None,
                    }
                    for n in range(3)
                ]
            }
        )
    )
    kept = KeptIndicatorRows(size=2)
    indicators = view["indicators"]
    scores = {"d00": ("10.00", "10.00", "", True)}
    first = kept(indicators, scores)
    assert first == indicator_rows(indicators, scores)
    assert kept(indicators, dict(scores)) is first  # equal scores: the same rows
    regraded = {"d00": ("10.00", "8.00", "", True)}
    assert kept(indicators, regraded) == indicator_rows(indicators, regraded) != first
    # An equal list that is another object is not taken for the one kept.
    copy = orjson.loads(orjson.dumps(indicators))
    assert kept(copy, scores) is not first and kept(copy, scores) == first


def test_lists_made_from_a_view_part_are_the_lists_made_before_while_it_is_the_same() -> None:
    kept: ByIdentity[list[dict]] = ByIdentity(2)
    sections = [{"id": "1.1", "title": "概况", "text": "文字"}]
    made: list[int] = []

    def make(part: list[dict], note: str) -> list[dict]:
        made.append(1)
        return [{"section": s, "note": note} for s in part]

    first = kept.made("narrative", sections, {}, lambda: make(sections, ""))
    assert kept.made("narrative", sections, {}, lambda: make(sections, "")) is first
    assert len(made) == 1
    # Other comments, another part equal to it, or another kind: made again.
    pinned = {"section:1.1": [{"comment": "补充"}]}
    assert kept.made("narrative", sections, pinned, lambda: make(sections, "补充")) is not first
    copy = orjson.loads(orjson.dumps(sections))
    assert kept.made("narrative", copy, {}, lambda: make(copy, "")) == first
    assert kept.made("other", sections, {}, lambda: make(sections, "")) is not first
    assert len(made) == 4


def test_a_list_of_blocks_asked_again_as_the_same_list_is_not_written_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from web import fragments

    fragment = templates().env.globals["fragment"]
    shared = {"pin": False}
    items = KeptList(
        [{"section": {"id": "1.1", "title": "概况", "text": "文字 <b>"}, "comments": []}]
    )
    listed = str(fragment.each("narrative_section", items, **shared))
    assert "文字 &lt;b&gt;" in listed
    written: list[object] = []
    dumps = orjson.dumps
    monkeypatch.setattr(
        fragments.orjson, "dumps", lambda value: written.append(value) or dumps(value)
    )
    # The same list: known by itself, its items not written out again.
    assert str(fragment.each("narrative_section", items, **shared)) == listed
    assert items not in written
    # An equal list that is another object: known by what it holds, written out to be found.
    twin = KeptList([dict(items[0])])
    assert str(fragment.each("narrative_section", twin, **shared)) == listed
    assert twin in written
    # A list made afresh for a page is not held: written out each time it is asked.
    plain = [dict(items[0])]
    for _ in range(2):
        written.clear()
        assert str(fragment.each("narrative_section", plain, **shared)) == listed
        assert plain in written
    # Other shared arguments: the same list is another list of blocks.
    assert str(fragment.each("narrative_section", items, pin=True)) != listed


def test_an_inbox_is_kept_until_what_it_shows_changes(site: Site) -> None:
    first = _signed_in(site, "zhang.san")
    second = _signed_in(site, "zhang.san", app_of=first)
    inbox = first.get("/inbox").text
    assert first.get("/inbox").text == inbox  # kept
    # Another session of the same process: the same page with its own token.
    (mine,), (theirs,) = _tokens(inbox), _tokens(second.get("/inbox").text)
    assert mine != theirs
    assert second.get("/inbox").text.replace(theirs, mine) == inbox
    # Rendered afresh by another process, it is the page kept.
    fresh = _signed_in(site, "zhang.san").get("/inbox").text
    (other,) = _tokens(fresh)
    assert fresh.replace(other, mine) == inbox
    # A change to a figure leaves the row as it was: the page kept is the page.
    assert (
        command(
            first, "record-actual-spending", "actual-homes", line="homes", amount="3.3"
        ).status_code
        == 303
    )
    assert first.get("/inbox").text == inbox
    # A reminder shows in the row at once.
    week_before = datetime.combine(DEADLINE - timedelta(days=7), time(9), tzinfo=UTC)
    remind_of_deadlines(site.store, YEAR, [DEPARTMENT_CODE], now=week_before)
    reminded = first.get("/inbox").text
    assert "截止前7天提醒" in row(reminded, f'data-report="report:{DEPARTMENT_CODE}:{YEAR}"')
    assert "截止前7天提醒" not in inbox


def test_edit_items_of_unchanged_view_parts_are_the_lists_made_before(site: Site) -> None:
    from projections.report_view import report_view
    from web.routers.pages_reports import edit_items
    from workflow.service import load_report

    services = _signed_in(site, "zhang.san").app.state.services  # type: ignore[attr-defined]
    view = report_view(load_report(site.store, DEPARTMENT_CODE, YEAR).state)
    scheme = _scheme(services, YEAR)
    pinned: dict[str, list[dict]] = {}
    first = edit_items(view, pinned, scheme)
    again = edit_items(view, pinned, scheme)
    assert again["indicators"] is first["indicators"]
    assert again["sections"] is first["sections"]
    # Another item edited: the lists that hold it are made again, with it whole.
    edited = edit_items(view, pinned, scheme, "indicator-d04")
    assert edited["indicators"] is not first["indicators"] and edited["found"]
    (whole,) = [item for item in edited["indicators"] if item.get("full")]
    assert whole["indicator"]["id"] == "d04"
    assert edited["sections"] is not first["sections"]
    assert not any(item.get("full") for item in first["indicators"])
