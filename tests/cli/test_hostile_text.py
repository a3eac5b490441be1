"""Hostile text through the CLI on real PostgreSQL: a NUL, a lone surrogate, an escape
sequence, a zero-width id are refused in one line and record nothing; the commands that
read keep working; text from an old log (written before the text rules) prints escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from cli.seed_file import SEED_FILE
from events import EventStore, Metadata
from tests.cli.conftest import KEY, Invoke, set_up_administration
from tests.cli.test_spreadsheet_import import budget_row, seed_sheet  # noqa: F401 (fixture)
from workflow.report_events import BudgetLineRenamed

HACKED = "\x1b[2J\x1b[31mHACKED"
SHOWN = "\\x1b[2J\\x1b[31mHACKED"


@pytest.fixture
def pg_admin(jixiao: Invoke, pg_url: str) -> Invoke:
    """The `admin` world (department, year, one user per role) on a PostgreSQL schema."""
    run = Invoke(jixiao.db, url=pg_url)
    set_up_administration(run)
    return run


def seed_data() -> dict:
    return yaml.safe_load(SEED_FILE.read_text("utf-8"))


def head(run: Invoke) -> int:
    out = run("audit", "verify", "--json")
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)["head_position"]


def assert_terminal_safe(*texts: str) -> None:
    for text in texts:
        assert "\x1b" not in text and "\x00" not in text and "\u200b" not in text


def reads_work(run: Invoke) -> None:
    """Every read the poisoned log broke: show, list, trail, inbox, rebuild."""
    for args, user in (
        (("report", "show", *KEY), "zhao.liu"),
        (("report", "list", "-y", "2021"), "zhao.liu"),
        (("audit", "trail", *KEY), "zhao.liu"),
        (("audit", "trail"), "zhao.liu"),
        (("review", "inbox"), "li.si"),
        (("projections", "rebuild"), None),
    ):
        out = run(*args, user=user)
        assert out.exit_code == 0, (args, out.stderr)
        assert_terminal_safe(out.stdout, out.stderr)


@pytest.mark.postgres
def test_a_nul_in_a_line_name_is_refused_and_postgres_keeps_working(
    pg_admin: Invoke, tmp_path: Path
) -> None:
    run = pg_admin
    data = seed_data()
    data["budget"]["lines"][0]["name"] = "预算\u0000资金总额"
    poisoned = tmp_path / "poisoned.json"
    poisoned.write_text(json.dumps(data))  # ASCII JSON: the NUL is written as \u0000
    assert "\\u0000" in poisoned.read_text()
    before = head(run)
    for check in (("--check",), ()):
        out = run("report", "import", str(poisoned), *check, user="zhang.san")
        assert out.exit_code == 1
        lines = out.stderr.splitlines()
        # The lines under the refused root then have no parent: each is listed too.
        assert lines[0].startswith(f"error: {poisoned} rejected, nothing recorded, ")
        assert lines[1] == (
            "  - budget.lines[0]: line total name: got '预算\\x00资金总额', expected a name "
            "without control or format characters — character 3 is U+0000 NUL, a control "
            "character"
        )
        assert_terminal_safe(out.stdout, out.stderr)
    assert head(run) == before
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0
    reads_work(run)


@pytest.mark.postgres
def test_a_lone_surrogate_is_refused_by_check_as_by_import(
    pg_admin: Invoke, tmp_path: Path
) -> None:
    run = pg_admin
    data = seed_data()
    data["indicators"][0]["name"] = "指标\ud800"
    broken = tmp_path / "surrogate.json"
    broken.write_text(json.dumps(data))  # "\ud800": valid JSON, but not a character
    before = head(run)
    for check in (("--check",), ()):
        out = run("report", "import", str(broken), *check, user="zhang.san")
        assert out.exit_code == 1
        assert out.stderr.splitlines()[1] == (
            "  - indicators[0]: indicator m01 name: got '指标\\ud800', expected a name without "
            "control or format characters — character 3 is U+D800, a lone surrogate (half of a "
            "UTF-16 pair, not a character)"
        )
    assert head(run) == before


@pytest.mark.postgres
def test_typed_commands_refuse_hostile_text_and_store_nfc(pg_admin: Invoke) -> None:
    run = pg_admin
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0
    before = head(run)
    add = run(
        "report", "line", "add", *KEY, "homes\u200b", "博爱家园建设", "--parent", "project",
        user="zhang.san",
    )  # fmt: skip
    assert add.exit_code == 1
    assert add.stderr == (
        "error: line id: got 'homes\\u200b', expected an id of at most 64 ASCII characters: "
        "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit\n"
    )
    rename = run("report", "line", "rename", *KEY, "homes", HACKED, user="zhang.san")
    assert rename.exit_code == 1
    assert rename.stderr == (
        f"error: line homes name: got '{SHOWN}', expected a name without control or format "
        "characters — character 1 is U+001B ESC, a control character\n"
    )
    department = run("admin", "department", "add", "homes\u200b", "博爱家园", user="root")
    assert department.exit_code == 1 and "department code: got 'homes\\u200b'" in department.stderr
    assert_terminal_safe(add.stderr, rename.stderr, department.stderr)
    assert head(run) == before
    assert (
        run("report", "line", "rename", *KEY, "it", "IT e\u0301", user="zhang.san").exit_code == 0
    )
    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    assert [r["name"] for r in view["budget"]["rows"] if r["name"].startswith("IT")] == ["IT é"]


@pytest.mark.postgres
def test_text_from_an_old_log_is_printed_escaped(pg_admin: Invoke) -> None:
    run = pg_admin
    assert run("report", "import", str(SEED_FILE), user="zhang.san").exit_code == 0
    # Written straight to the store, as a log recorded before the text rules could hold it.
    store = EventStore.open(run.url)
    stream = "report:gusu-rc:2021"
    store.append(
        stream,
        store.stream_version(stream),
        [BudgetLineRenamed(line="homes", name=HACKED, previous_name="博爱家园建设", reason="")],
        metadata=Metadata(actor="zhang.san", role="preparer"),
    )
    store.engine.dispose()
    show = run("report", "show", *KEY)
    trail = run("audit", "trail", *KEY, "--item", "line:homes")
    for out in (show, trail):
        assert out.exit_code == 0, out.stderr
        assert SHOWN in out.stdout
        assert_terminal_safe(out.stdout)
    assert f"line {SHOWN} name" in trail.stdout
    # --json is JSON: the text as recorded, escaped by JSON itself.
    view = json.loads(run("report", "show", *KEY, "--json").stdout)
    assert HACKED in [r["name"] for r in view["budget"]["rows"]]
    # A refusal that names the line prints its name escaped too.
    out = run(
        "report", "line", "adjust", *KEY, "homes", "1", "--kind", "in_year", "--reason", " ",
        user="zhang.san",
    )  # fmt: skip
    assert out.exit_code == 1 and f"line {SHOWN} adjustment reason" in out.stderr
    assert_terminal_safe(out.stderr)


def test_a_spreadsheet_cell_with_a_zero_width_space_is_refused(
    admin: Invoke,
    seed_sheet: Path,  # noqa: F811 (the fixture)
) -> None:
    workbook = load_workbook(seed_sheet)
    sheet = workbook.active
    row = budget_row(sheet, "信息化建设")
    sheet.cell(row, 1).value = f"{sheet.cell(row, 1).value}\u200b"
    workbook.save(seed_sheet)
    out = admin("report", "import", str(seed_sheet), *KEY, user="zhang.san")
    assert out.exit_code == 1
    # Named once, by the sheet's text scan, before the line is read (no follow-on line).
    assert out.stderr.splitlines()[1:] == [
        f"  - 自评价表!A{row}: got '信息化建设\\u200b', expected the text of a cell without "
        "control or format characters other than line breaks and tabs — character 6 is U+200B "
        "ZERO WIDTH SPACE, a format character (invisible)"
    ]
    assert_terminal_safe(out.stderr)
    assert admin("report", "show", *KEY).exit_code == 1  # nothing recorded: no report
