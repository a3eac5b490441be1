"""Audit replay of a fiscal year: the change log, the timelines, and a tampered log caught."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from projections.replay import (
    CHANGE_COLUMNS,
    replay_year,
    spreadsheet_text,
    write_csv,
    write_json,
)
from tests.events.test_tamper import tamper
from tests.projections.world import drive, run
from tests.workflow.report_builders import KEY, stage_steps
from tests.workflow.world import World
from workflow.administration import OpenFiscalYear
from workflow.commands import OpenReport, RenameBudgetLine, SetInitialBudget
from workflow.service import execute
from workflow.stages import Stage


def a_reviewed_year(world: World) -> None:
    drive(world, stage_steps(Stage.PUBLISHED))
    execute(
        world.store,
        world.admin,
        OpenFiscalYear(year=2022, scheme="default", deadline=date(2023, 6, 30)),
    )
    run(world, world.preparer, OpenReport(department="gusu-rc", year=2022))


def test_the_change_log_holds_every_event_of_the_year_and_only_those(seeded: World) -> None:
    a_reviewed_year(seeded)
    progress: list[tuple[int, int]] = []
    replay = replay_year(seeded.store, 2021, batch_size=40, progress=lambda *p: progress.append(p))  # type: ignore[arg-type]
    head = seeded.store.head_position()
    assert replay.chain.ok and replay.chain.checked == head
    assert progress[-1] == (head, head) and len(progress) == -(-head // 40)
    events = seeded.store.read_stream("report:gusu-rc:2021")
    assert [c["position"] for c in replay.changes] == [e.position for e in events]
    assert {c["report"] for c in replay.changes} == {"report:gusu-rc:2021"}
    assert replay.fiscal_year is not None
    assert (
        replay.fiscal_year["scheme"],
        replay.fiscal_year["deadline"],
        replay.fiscal_year["by"],
    ) == ("default", "2022-06-30", "admin")

    basic = next(c for c in replay.changes if c["item_id"] == "basic" and c["field"] == "initial")
    assert (basic["actor"], basic["role"], basic["after_raw"], basic["item_label"]) == (
        "zhang.san",
        "preparer",
        "260.84",
        "基本支出",
    )
    assert json.loads(basic["after_value"])["value"] == "260.84"
    (timeline,) = replay.timelines.values()
    assert len(timeline) == len(events)
    # Submission, two approvals, two signatures (the second closes the revision), render, publish.
    assert [t["stage"] for t in timeline[-8:]] == [
        "submitted", "approved_by_department", "approved_by_finance", "approved_by_finance",
        "approved_by_finance", "signed_off", "rendered", "published",
    ]  # fmt: skip
    assert (
        timeline[-1]["summary"]
        == "report 姑苏区红十字会 stage: rendered → published (姑苏区政府网)"
    )
    assert any(t["summary"] == "line 基本支出 initial: — → 260.84" for t in timeline)


def test_json_and_csv_outputs(seeded: World) -> None:
    a_reviewed_year(seeded)
    replay = replay_year(seeded.store, 2021)  # type: ignore[arg-type]
    out = io.StringIO()
    write_json(replay, out)
    data = json.loads(out.getvalue())
    assert data["year"] == 2021 and data["chain"]["ok"] is True
    assert [c["position"] for c in data["changes"]] == [c["position"] for c in replay.changes]
    assert list(data["timelines"]) == ["report:gusu-rc:2021"]
    # Values are JSON values, as `jixiao audit trail --json` gives them, not JSON in a string.
    basic = next(c for c in data["changes"] if c["item_id"] == "basic" and c["field"] == "initial")
    assert basic["before_value"] is None and basic["after_value"]["value"] == "260.84"
    out = io.StringIO()
    write_csv(replay, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CHANGE_COLUMNS and len(rows) == len(replay.changes)
    assert rows[0]["event_type"] == "ReportOpened" and rows[0]["recorded_at"].endswith("+00:00")
    published = rows[-1]
    assert (published["before_raw"], published["after_raw"], published["actor"]) == (
        "rendered",
        "published",
        "li.si",
    )
    assert replay_year(seeded.store, 2023).changes == []  # type: ignore[arg-type]


def test_a_tampered_event_stops_the_replay_where_the_chain_breaks(seeded: World) -> None:
    run(seeded, seeded.preparer, SetInitialBudget(**KEY, line="basic", amount="261.84"))
    edited = next(
        e for e in seeded.store.read_stream("report:gusu-rc:2021")
        if e.event_type == "InitialBudgetSet" and e.event.line == "total"
    )  # fmt: skip
    forged = '{"amount":{"raw":"3000.09","unit":"万元","value":"3000.09"},"line":"total"}'
    tamper(
        seeded.store, f"UPDATE events SET payload = '{forged}' WHERE position = {edited.position}"
    )  # type: ignore[arg-type]
    replay = replay_year(seeded.store, 2021, batch_size=25)  # type: ignore[arg-type]
    assert not replay.chain.ok
    assert replay.chain.first_bad_position == edited.position
    assert "does not match its hash" in (replay.chain.problem or "")
    assert replay.changes and max(c["position"] for c in replay.changes) == edited.position - 1
    assert all(c["after_raw"] != "3000.09" for c in replay.changes)


def test_csv_cells_that_would_run_as_formulas_are_written_as_text(seeded: World) -> None:
    hostile = '=HYPERLINK("http://evil.example","点击")'
    run(
        seeded,
        seeded.preparer,
        RenameBudgetLine(**KEY, line="basic", name=hostile, reason="@SUM(A1)"),
    )
    run(seeded, seeded.preparer, SetInitialBudget(**KEY, line="basic", amount="261.84"))
    out = io.StringIO()
    write_csv(replay_year(seeded.store, 2021), out)  # type: ignore[arg-type]
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    renamed = next(r for r in rows if r["event_type"] == "BudgetLineRenamed")
    assert renamed["after_raw"] == "'" + hostile and renamed["comment"] == "'@SUM(A1)"
    corrected = rows[-1]
    assert corrected["item_label"] == "'" + hostile and corrected["after_raw"] == "261.84"
    assert not any(
        value.startswith(("=", "+", "@")) for row in rows for value in row.values() if value
    )


def test_spreadsheet_text_keeps_numbers_and_plain_text() -> None:
    assert [spreadsheet_text(v) for v in ("-4.8", "+3", "1E5", 12, None, "基本支出")] == [
        "-4.8", "+3", "1E5", 12, None, "基本支出",
    ]  # fmt: skip
    assert [spreadsheet_text(v) for v in ("-cmd|calc", "+1+1", "\tx", "=1")] == [
        "'-cmd|calc", "'+1+1", "'\tx", "'=1",
    ]  # fmt: skip


def test_a_csv_cut_short_by_a_broken_chain_says_so_in_its_last_row(seeded: World) -> None:
    first = seeded.store.read_stream("report:gusu-rc:2021")[3]
    tamper(
        seeded.store,  # type: ignore[arg-type]
        f"UPDATE events SET payload = replace(payload, '}}', ',\"x\":1}}') "
        f"WHERE position = {first.position}",
    )
    replay = replay_year(seeded.store, 2021)  # type: ignore[arg-type]
    out = io.StringIO()
    write_csv(replay, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(replay.changes) + 1
    last = rows[-1]
    assert last["position"] == str(first.position) and last["event_type"] == ""
    assert last["comment"].startswith(
        f"the log stops here: chain broken at position {first.position}"
    )


def test_every_snapshot_is_compared_with_the_fold_and_an_edited_one_is_named(
    seeded: World,
) -> None:
    a_reviewed_year(seeded)
    clean = replay_year(seeded.store, 2021)  # type: ignore[arg-type]
    assert clean.ok and clean.snapshots_checked >= 2 and clean.bad_snapshots == []
    assert clean.snapshot_verdict().endswith("checked, each matches its events")
    stream = "report:gusu-rc:2021"
    snapshot = seeded.store.load_snapshot(stream)
    assert snapshot is not None
    tamper(
        seeded.store,  # type: ignore[arg-type]
        "UPDATE snapshots SET state = replace(state, '\"260.84\"', '\"2600.84\"') "
        f"WHERE stream_id = '{stream}' AND version = {snapshot.version}",
    )
    replay = replay_year(seeded.store, 2021)  # type: ignore[arg-type]
    assert replay.chain.ok and not replay.ok
    assert replay.snapshots_checked == clean.snapshots_checked
    (bad,) = replay.bad_snapshots
    assert (bad["stream_id"], bad["version"]) == (stream, snapshot.version)
    assert f"the first {stream} at version {snapshot.version}" in replay.snapshot_verdict()
    out = io.StringIO()
    write_json(replay, out)
    assert json.loads(out.getvalue())["snapshots"]["mismatched"] == [bad]


def _written(replay) -> tuple[str, str]:
    out_json, out_csv = io.StringIO(), io.StringIO(newline="")
    write_json(replay, out_json)
    write_csv(replay, out_csv)
    return out_json.getvalue(), out_csv.getvalue()


def test_the_driver_replays_byte_for_byte_what_the_store_replays(
    seeded: World, database_url: str
) -> None:
    # `jixiao audit replay` walks the log through the database driver alone (decision
    # 0209): the same files, a whole log or one cut short by a broken chain.
    from events.database import database_url as chosen_url
    from events.driver import LogReader

    a_reviewed_year(seeded)

    def through_the_driver():
        log = LogReader.connect(chosen_url(database_url))
        assert log is not None
        try:
            with log.snapshot():
                return replay_year(log, 2021, batch_size=40)
        finally:
            log.close()

    def same_both_ways():
        by_store = replay_year(seeded.store, 2021, batch_size=40)  # type: ignore[arg-type]
        by_driver = through_the_driver()
        assert _written(by_driver) == _written(by_store)
        assert by_driver.as_data() == by_store.as_data()
        return by_driver

    assert same_both_ways().chain.ok
    position = seeded.store.read_stream("report:gusu-rc:2021")[30].position
    tamper(seeded.store, f"UPDATE events SET actor = 'x' WHERE position = {position}")  # type: ignore[arg-type]
    cut = same_both_ways()
    assert not cut.chain.ok and cut.changes
