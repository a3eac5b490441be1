"""`jixiao audit` refusals: one line on stderr, exit 1 for what the log refuses, 2 for usage.

Numbers too big for the database, times UTC cannot hold, log positions past the head,
reports and years that do not exist, reversed ranges, malformed options, missing paths;
the environment's department and year; the trail's adjustment documents; a published
file kept away from the server's copies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.context import open_store
from cli.seed_file import SEED_FILE
from tests.cli.conftest import (
    KEY,
    REVIEW_TO_SIGN_OFF,
    Invoke,
    Outcome,
    on_administration,
    run_steps,
)
from tests.events.test_tamper import tamper

HUGE = "99999999999999999999"


@on_administration
def imported(run: Invoke) -> None:
    out = run("report", "import", str(SEED_FILE), user="zhang.san")
    assert out.exit_code == 0, out.stderr


def head_of(run: Invoke) -> int:
    return json.loads(run("audit", "verify", "--json").stdout)["head_position"]


def refused(out: Outcome, code: int = 1) -> str:
    """The one line a refusal printed (and nothing on stdout), checked for ``code``."""
    assert out.exit_code == code, (out.exit_code, out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert out.stdout == ""
    return lines[0]


def test_numbers_and_times_beyond_the_database_are_one_line(imported: Invoke) -> None:
    run, head = imported, head_of(imported)
    line = refused(run("audit", "as-of", *KEY, HUGE))
    assert line == f"error: moment: got '{HUGE}', expected a log position up to {head}"
    line = refused(run("audit", "diff", *KEY, "1", HUGE))
    assert line == f"error: until: got '{HUGE}', expected a log position up to {head}"
    line = refused(run("audit", "trail", "-y", "2021", "--limit", HUGE), 2)
    assert line == f"error: --limit: got {HUGE}, expected a whole number from 1 to {2**63 - 1}"
    early = "0001-01-01T00:00:00+01:00"
    expected = f"got '{early}', expected a time from 0001-01-01 to 9999-12-31 in UTC"
    assert refused(run("audit", "trail", "--since", early), 2) == f"error: --since: {expected}"
    assert refused(run("audit", "as-of", *KEY, early)) == f"error: moment: {expected}"
    late = "9999-12-31T23:00:00-02:00"
    assert "9999-12-31 in UTC" in refused(run("audit", "trail", "--until", late), 2)
    # Superscript digits are digits to str.isdigit, but no position.
    assert "moment: got '²', expected a time" in refused(run("audit", "as-of", *KEY, "²"))


def test_positions_past_the_head_are_refused_and_future_times_allowed(imported: Invoke) -> None:
    run, head = imported, head_of(imported)
    line = refused(run("audit", "as-of", *KEY, "99999"))
    assert line == f"error: moment: got '99999', expected a log position up to {head}"
    line = refused(run("audit", "as-of", *KEY, "20261126"))
    assert line == (
        f"error: moment: got '20261126', expected a log position up to {head} "
        "— did you mean 2026-11-26?"
    )
    line = refused(run("audit", "diff", *KEY, str(head), "99999"))
    assert line == f"error: until: got '99999', expected a log position up to {head}"
    line = refused(run("audit", "diff", *KEY, "20211301", str(head)))
    assert line == f"error: since: got '20211301', expected a log position up to {head}"
    at_head = run("audit", "as-of", *KEY, str(head), "--json")
    assert at_head.exit_code == 0, at_head.stderr
    future = run("audit", "as-of", *KEY, "2999-01-01", "--json")
    assert future.exit_code == 0, future.stderr
    assert json.loads(future.stdout)["position"] == json.loads(at_head.stdout)["position"]
    assert run("audit", "diff", *KEY, "1", "2999-01-01").exit_code == 0


@pytest.mark.parametrize("command", [("trail",), ("as-of", "1"), ("diff", "1", "2")])
def test_a_malformed_report_key_is_refused_in_one_line_naming_it(
    imported: Invoke, command: tuple[str, ...]
) -> None:
    # The report's key is checked by the one rule every face uses (workflow.streams).
    name, *moments = command
    code_rule = "an id of at most 64 ASCII characters"
    line = refused(imported("audit", name, "-d", "bad code!", "-y", "2021", *moments))
    assert line.startswith("error: report department: got 'bad code!', expected a department")
    assert code_rule in line and "\n" not in line
    line = refused(imported("audit", name, *KEY, "-p", "x\u200by", *moments))
    assert line.startswith("error: report project: got ") and code_rule in line


def test_reports_and_years_that_do_not_exist_are_refused(imported: Invoke, tmp_path: Path) -> None:
    run, head = imported, head_of(imported)
    nosuch = (
        "error: report nosuch/2021: no such report, expected a department whose 2021 report "
        "was opened (see `jixiao report list -y 2021`)"
    )
    other = ("-d", "nosuch", "-y", "2021")
    assert refused(run("audit", "as-of", *other, str(head))) == nosuch
    assert refused(run("audit", "diff", *other, "1", str(head))) == nosuch
    assert refused(run("audit", "trail", *other)) == nosuch
    assert refused(run("audit", "trail", *other, "--json")) == nosuch
    # A report that exists, asked about before it was opened.
    line = refused(run("audit", "as-of", *KEY, "2000-01-01"))
    assert (
        line == "error: report gusu-rc/2021 at 2000-01-01: not opened yet, expected a later moment"
    )
    out = tmp_path / "audit-2030"
    line = refused(run("audit", "replay", "2030", "-o", str(out)))
    assert line == (
        "error: year: got 2030, expected a fiscal year that was opened "
        "(`jixiao admin year open`); nothing written"
    )
    assert not out.exists()


def test_reversed_ranges_are_usage_errors(imported: Invoke) -> None:
    run, head = imported, head_of(imported)
    later, earlier = str(head), str(head - 4)
    line = refused(run("audit", "diff", *KEY, later, earlier), 2)
    assert line == (
        f"error: since: got '{later}', later than until '{earlier}'; "
        "expected the earlier moment first"
    )
    # A time against a position: the time reaches further into the report than the position.
    line = refused(run("audit", "diff", *KEY, "2999-01-01", earlier), 2)
    assert "since: got '2999-01-01', later than until" in line
    line = refused(run("audit", "diff", *KEY, "2022-03-02", "2022-03-01"), 2)
    assert "since: got '2022-03-02', later than until '2022-03-01'" in line
    assert run("audit", "diff", *KEY, earlier, later).exit_code == 0
    line = refused(run("audit", "trail", "--since", "2026-11-27", "--until", "2026-11-26"), 2)
    assert line == (
        "error: --until: got '2026-11-26', expected a time after --since '2026-11-27' "
        "(--since is inclusive, --until exclusive)"
    )


def test_trail_usage_mistakes_exit_2(imported: Invoke) -> None:
    run = imported
    line = refused(run("audit", "trail", "-d", "gusu-rc"), 2)
    assert line == (
        "error: --year: missing for department 'gusu-rc', expected the report's year "
        "(-y or JIXIAO_YEAR)"
    )
    for item in ("homes", "foo:homes", "line:", "report:gusu-rc"):
        line = refused(run("audit", "trail", *KEY, "--item", item), 2)
        assert line == f"error: --item: got '{item}', expected line:ID, indicator:ID or section:ID"
    line = refused(run("audit", "trail", "--since", "yesterday"), 2)
    assert (
        line
        == "error: --since: got 'yesterday', expected a time such as 2022-03-01 or 2022-03-01T09:00"
    )
    assert "log position" not in line
    line = refused(run("audit", "trail", "--until", "20261126"), 2)
    assert line == (
        "error: --until: got '20261126', expected a time such as 2022-03-01 or "
        "2022-03-01T09:00, not a log position — did you mean 2026-11-26?"
    )
    for kind, item in (("line", "homes"), ("indicator", "b04"), ("section", "3.1")):
        out = run("audit", "trail", *KEY, "--item", f"{kind}:{item}", "--json")
        assert out.exit_code == 0, out.stderr
        assert {(e["item_kind"], e["item_id"]) for e in json.loads(out.stdout)} == {(kind, item)}


def test_an_item_the_report_never_had_is_refused_in_one_line(imported: Invoke) -> None:
    run = imported
    for options in ((), ("--json",)):
        line = refused(run("audit", "trail", *KEY, "--item", "line:home", *options))
        assert line == (
            "error: item: got 'line:home', expected a line of report gusu-rc/2021 such as "
            "line:basic, line:capacity, line:first-aid — did you mean line:homes?"
        )
    line = refused(run("audit", "trail", "-y", "2021", "--item", "section:9.9"))
    assert line.startswith("error: item: got 'section:9.9', expected a section of a 2021 report")
    # A real item nobody changed in the range: an empty trail, not a refusal.
    out = run("audit", "trail", *KEY, "--item", "line:homes", "--since", "2999-01-01", "--json")
    assert (out.exit_code, json.loads(out.stdout)) == (0, [])


def test_paths_are_named_by_their_argument(imported: Invoke, tmp_path: Path) -> None:
    run = imported
    missing = tmp_path / "nonexistent.pdf"
    line = refused(run("audit", "artifact", str(missing)))
    assert line == (
        f"error: path: got '{missing}', no such file; "
        "expected a rendered report file (HTML, PDF, XLSX or DOCX)"
    )
    line = refused(run("audit", "artifact", str(tmp_path)))
    assert line == (
        f"error: path: got '{tmp_path}', a directory; "
        "expected a rendered report file (HTML, PDF, XLSX or DOCX)"
    )
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    assert refused(run("audit", "replay", "2021", "-o", str(afile))) == (
        f"error: --out: got '{afile}', expected a folder"
    )
    line = refused(run("audit", "replay", "2021", "-o", str(afile / "sub")))
    assert line.startswith(f"error: --out: got '{afile / 'sub'}', expected a folder (cannot create")
    assert afile.read_text() == "not a folder"


def test_department_and_year_come_from_the_environment(
    imported: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, head = imported, head_of(imported)
    explicit = json.loads(run("audit", "as-of", *KEY, str(head), "--json").stdout)
    explicit_trail = json.loads(run("audit", "trail", *KEY, "--json").stdout)
    monkeypatch.setenv("JIXIAO_DEPARTMENT", "gusu-rc")
    monkeypatch.setenv("JIXIAO_YEAR", "2021")
    out = run("audit", "as-of", str(head), "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout) == explicit
    out = run("audit", "diff", "1", str(head), "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["until"]["position"] == explicit["position"]
    out = run("audit", "trail", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout) == explicit_trail
    # The options still win over the environment.
    assert "no such report" in refused(run("audit", "trail", "-d", "nosuch"))
    monkeypatch.delenv("JIXIAO_YEAR")
    assert "(-y or JIXIAO_YEAR)" in refused(run("audit", "trail"), 2)


def test_the_trail_table_shows_an_adjustments_document(imported: Invoke) -> None:
    run = imported
    document = "姑财预〔2021〕12号"
    step = ("report", "line", "adjust", *KEY, "homes", "-1", "--kind", "in_year")
    out = run(*step, "--reason", "压缩预算", "--document", document, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    entries = json.loads(run("audit", "trail", *KEY, "--item", "line:homes", "--json").stdout)
    last = entries[-1]
    assert (last["comment"], last["after_value"]["document"]) == ("压缩预算", document)
    table = run("audit", "trail", *KEY, "--item", "line:homes")
    assert table.exit_code == 0, table.stderr
    rows = [row for row in table.stdout.splitlines() if str(last["position"]) in row]
    assert any(f"压缩预算; document: {document}" in row for row in rows), table.stdout
    # Adjustments recorded without a document show their reason alone.
    assert sum("; document:" in row for row in table.stdout.splitlines()) == 1


@pytest.fixture
def published(imported: Invoke, tmp_path: Path) -> tuple[Invoke, dict[str, Path]]:
    """The seed signed off and rendered into tmp_path/server: (run, files by suffix)."""
    run = imported
    run_steps(run, REVIEW_TO_SIGN_OFF)
    out = run("worker", "render-pending", "--out", str(tmp_path / "server"), "--json")
    assert out.exit_code == 0, out.stderr
    return run, {Path(p).suffix: Path(p) for p in json.loads(out.stdout)[0]["artifacts"]}


def test_a_copy_kept_elsewhere_is_judged_by_its_own_digest(published, tmp_path: Path) -> None:
    run, files = published
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    copy = downloads / "downloaded.pdf"
    shutil.copy(files[".pdf"], copy)
    shutil.move(tmp_path / "server", tmp_path / "moved")  # the server's files are gone
    out = run("audit", "artifact", str(copy), "--json")
    assert out.exit_code == 0, (out.stdout, out.stderr)
    proof = json.loads(out.stdout)
    checks = {c["format"]: c for c in proof["checks"]}
    assert proof["ok"] is True
    assert (checks["pdf"]["file_matches"], checks["pdf"]["checked_path"]) == (True, str(copy))
    assert checks["pdf"]["problems"] == []
    for fmt in ("html", "xlsx"):
        assert (checks[fmt]["file_matches"], checks[fmt]["checked_path"]) == (None, None)
        assert checks[fmt]["problems"][0].startswith("not found (looked at ")
    assert all(c["rerender_matches"] for c in proof["checks"])
    text = run("audit", "artifact", str(copy))
    assert text.exit_code == 0
    assert "pdf   ok (this file); re-rendered identically" in text.stdout
    assert "html  not found; re-rendered identically" in text.stdout

    # A sibling kept beside the copy is checked, and one that differs still fails.
    shutil.copy(tmp_path / "moved" / files[".html"].name, downloads)
    (downloads / files[".xlsx"].name).write_bytes(b"not the spreadsheet")
    out = run("audit", "artifact", str(copy))
    assert out.exit_code == 1
    assert "html  ok; re-rendered identically" in out.stdout
    assert "xlsx  DIFFERS; re-rendered identically" in out.stdout


def test_verify_prints_the_anchor_and_checks_it_later(imported: Invoke, tmp_path: Path) -> None:
    run = imported
    noted = json.loads(run("audit", "verify", "--json").stdout)
    anchor = f"{noted['head_position']}:{noted['head_hash']}"
    text = run("audit", "verify")
    assert text.stdout.splitlines()[0].endswith(
        f"head at position {noted['head_position']}, hash {noted['head_hash']}"
    )
    held = run("audit", "verify", "--expect", anchor)
    assert held.exit_code == 0 and f"anchors held: {noted['head_position']}" in held.stdout
    assert refused(run("audit", "verify", "--expect", "157:abc"), 2).startswith(
        "error: --expect: got '157:abc', expected POSITION:HASH"
    )
    # Remove the last event and move the head back: the chain alone still verifies.
    store = open_store()
    last, before = noted["head_position"], store.hash_at(noted["head_position"] - 1)
    tamper(
        store,
        f"DELETE FROM events WHERE position = {last}",
        f"UPDATE event_log_head SET position = {last - 1}, hash = '{before}' WHERE id = 1",
    )
    assert run("audit", "verify", "--chain-only").exit_code == 0
    # The snapshot the import stored at that event's version names a version that is gone.
    snapshots = run("audit", "verify").stdout.splitlines()[1]
    assert snapshots.startswith("snapshots: 1 of 1 do not match their events, the first ")
    assert "(its stream has no event at this version)" in snapshots
    out = run("audit", "verify", "--chain-only", "--expect", anchor)
    assert out.exit_code == 1
    assert f"anchor {last}: the log ends at position {last - 1}" in out.stdout
    data = json.loads(run("audit", "verify", "--json", "--expect", anchor).stdout)
    assert data["ok"] is False and data["anchor_problems"][0].startswith(f"anchor {last}:")


def test_replay_names_an_edited_snapshot_and_exits_1(imported: Invoke, tmp_path: Path) -> None:
    run = imported
    clean = run("audit", "replay", "2021", "-o", str(tmp_path / "clean"))
    assert clean.exit_code == 0 and "checked, each matches its events" in clean.stdout
    store = open_store()
    snapshot = store.load_snapshot("report:gusu-rc:2021")
    assert snapshot is not None
    tamper(
        store,
        "UPDATE snapshots SET state = replace(state, '\"8\"', '\"80\"') "
        f"WHERE stream_id = 'report:gusu-rc:2021' AND version = {snapshot.version}",
    )
    out = run("audit", "replay", "2021", "-o", str(tmp_path / "edited"), "--json")
    assert out.exit_code == 1
    summary = json.loads(out.stdout)
    assert summary["chain_ok"] is True and summary["snapshots_mismatched"] == 1
