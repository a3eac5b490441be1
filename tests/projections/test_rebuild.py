"""Rebuilding from zero gives the same tables as catching up step by step, on both backends."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from events.errors import BrokenChain, TamperedEvent
from projections.audit_trail import audit_trail_table
from projections.changes import change_row
from projections.registry import projection_runner
from projections.report_state import report_state_table
from projections.runner import ProjectionRunner
from projections.shared_fold import REPORT_PREFIX
from projections.sql import upsert
from tests.events.test_tamper import tamper
from tests.projections import writers
from tests.projections.world import (
    add_department,
    drive,
    enter_seed,
    review_to,
    run,
    table_contents,
)
from tests.workflow.report_builders import KEY, stage_steps
from tests.workflow.world import World
from workflow.commands import (
    ApproveReport,
    RecordIndicatorActual,
    RemoveBudgetLine,
    RenameBudgetLine,
    ReopenReport,
    ReturnReport,
    SetIndicatorLine,
    SetInitialBudget,
    SubmitReport,
)
from workflow.report import ReportState, evolve
from workflow.service import remind_of_deadlines
from workflow.stages import Stage

CONTEXT = multiprocessing.get_context("spawn")


def contents(runner: ProjectionRunner) -> dict[str, list[tuple]]:
    """Every projection table's rows, by table name."""
    return {
        table.name: table_contents(runner.engine, table)
        for projection in runner.projections
        for table in projection.tables
    }


def report_rows(runner: ProjectionRunner) -> list[sa.Row]:
    """Every row of the report-state projection."""
    with runner.engine.connect() as connection:
        return list(connection.execute(sa.select(report_state_table)).all())


def a_busy_year(world: World, runner: ProjectionRunner) -> None:
    """Two departments through returns, approvals, sign-off, reopening, a renamed and a removed
    line, an indicator pointed at another line and the seed's one notice resolved; a third
    not started.

    The runner catches up after every step, in small batches, as a follower would.
    """

    def step(*actions) -> None:
        for action in actions:
            action()
        runner.catch_up(batch_size=7)

    step(lambda: enter_seed(world))
    step(lambda: add_department(world, "gusu-edu", "姑苏区教育局"))
    step(lambda: add_department(world, "gusu-hw", "姑苏区卫健委"))
    # Reminded: gusu-rc on its report's stream, the two without a report on the year's.
    step(lambda: remind(world, datetime(2022, 6, 23, tzinfo=UTC)))
    step(lambda: enter_seed(world, "gusu-edu"))
    step(lambda: run(world, world.preparer, SubmitReport(**KEY)))
    step(lambda: run(world, world.head, ReturnReport(**KEY, comment="请核对", items=("line:it",))))
    step(lambda: remind(world, datetime(2022, 6, 29, tzinfo=UTC)))
    step(
        lambda: run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="3")),
        lambda: run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="2")),
        lambda: run(world, world.preparer, SubmitReport(**KEY)),
        lambda: run(world, world.head, ApproveReport(**KEY)),
    )
    step(lambda: run(world, world.finance, ApproveReport(**KEY)))
    step(lambda: review_to(world, Stage.SUBMITTED, "gusu-edu"))
    step(lambda: drive_to_published(world))
    step(lambda: run(world, world.finance, ReopenReport(**KEY, reason="审计发现调整数有误")))
    step(lambda: run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="2.5")))
    step(
        lambda: run(world, world.preparer, RenameBudgetLine(**KEY, line="it", name="信息化")),
        lambda: run(world, world.preparer, RemoveBudgetLine(**KEY, line="capacity", reason="并入")),
    )
    step(
        lambda: run(world, world.preparer, SetIndicatorLine(**KEY, indicator="d11", line="it")),
        # 156.86 万元 in the table as in the narrative: revision 2 has no notice left.
        lambda: run(
            world,
            world.preparer,
            RecordIndicatorActual(**KEY, indicator="d07", actual="156.86 万元"),
        ),
    )


def remind(world: World, now: datetime) -> None:
    """The deadline reminders due at ``now`` for the three departments."""
    remind_of_deadlines(world.store, 2021, ["gusu-edu", "gusu-hw", "gusu-rc"], now=now)


def drive_to_published(world: World) -> None:
    """From approved by finance: both signatures, rendering, publication."""
    drive(world, stage_steps(Stage.PUBLISHED)[3:])


def test_rebuild_from_zero_equals_catching_up_step_by_step(
    world: World, runner: ProjectionRunner
) -> None:
    a_busy_year(world, runner)
    head = world.store.head_position()
    assert all(status.position == head for status in runner.status())
    incremental = contents(runner)
    assert len(incremental["pj_report_state"]) == 3  # gusu-rc revisions 1 and 2, gusu-edu
    assert len(incremental["pj_year_overview"]) == 3
    reminded = {row[1]: row[-1] for row in incremental["pj_year_overview"]}
    assert reminded == {"gusu-edu": "1-day", "gusu-hw": "1-day", "gusu-rc": "1-day"}
    notices = {
        (row.report, row.revision): [n["indicator"] for n in json.loads(row.view)["notices"]]
        for row in report_rows(runner)
    }
    assert notices == {
        ("report:gusu-edu:2021", 1): ["d07"],
        ("report:gusu-rc:2021", 1): ["d07"],
        ("report:gusu-rc:2021", 2): [],
    }

    assert runner.rebuild() == head
    assert contents(runner) == incremental

    # A fresh process, with nothing folded in memory, rebuilds the same tables too.
    fresh = projection_runner(world.store)  # type: ignore[arg-type]
    fresh.rebuild(batch_size=50)
    assert contents(fresh) == incremental

    # Transactions of many small chunks: reports written once per transaction, same tables.
    chunked = projection_runner(world.store)  # type: ignore[arg-type]
    chunked.reset()
    positions: list[int] = []
    chunked.catch_up(batch_size=60, chunk_size=7, progress=lambda done, _: positions.append(done))
    assert contents(chunked) == incremental
    assert positions == sorted(positions) and positions[-1] == head


def test_a_rebuild_writes_the_audit_rows_sqlalchemy_writes_from_each_change(
    world: World, runner: ProjectionRunner
) -> None:
    """The rows a rebuild writes as driver tuples (``change_values``) are those a plain
    SQLAlchemy insert of each event's ``change_row`` writes, on a fold of its own, and each
    row's values sit in their own columns."""
    a_busy_year(world, runner)
    runner.rebuild()
    rebuilt = table_contents(runner.engine, audit_trail_table)
    assert len(rebuilt) > 100

    events = world.store.read_all(limit=world.store.head_position())
    states: dict[str, ReportState] = {}
    rows = []
    for record in events:
        if not record.stream_id.startswith(REPORT_PREFIX):
            continue
        before = states.get(record.stream_id, ReportState())
        after = states[record.stream_id] = evolve(before, record.event)
        row = change_row(record, before, after)
        rows.append({**row, "recorded_at": row["recorded_at"].astimezone(UTC).replace(tzinfo=None)})
    with runner.engine.begin() as connection:
        connection.execute(sa.delete(audit_trail_table))
        connection.execute(sa.insert(audit_trail_table), rows)
    assert table_contents(runner.engine, audit_trail_table) == rebuilt
    reports = [e for e in events if e.stream_id.startswith(REPORT_PREFIX)]
    with runner.engine.connect() as connection:
        c = audit_trail_table.c
        columns = (c.position, c.report, c.version, c.actor, c.role, c.event_type, c.hash)
        stored = connection.execute(sa.select(*columns).order_by(c.position)).all()
    assert [tuple(row) for row in stored] == [
        (e.position, e.stream_id, e.version, e.actor, e.role, e.event_type, e.hash) for e in reports
    ]


def test_a_failed_transaction_forgets_what_it_deferred(
    seeded: World, runner: ProjectionRunner
) -> None:
    """A projection failing in a later chunk rolls the whole transaction back, and the rows
    the others deferred to its end are not written by the next one."""
    head = seeded.store.head_position()
    failing = runner.projections[2]
    apply = failing.apply
    calls = 0

    def fail_on_the_second_chunk(connection, events) -> None:  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("projector killed")
        apply(connection, events)

    failing.apply = fail_on_the_second_chunk  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="projector killed"):
        runner.run_batch(head, chunk_size=head // 3)
    assert all(status.position == 0 for status in runner.status())
    assert all(rows == [] for rows in contents(runner).values())

    failing.apply = apply  # type: ignore[method-assign]
    events = seeded.store.read_all(limit=head)
    before_the_report = next(e.position for e in events if e.stream_id.startswith("report:")) - 1
    assert 0 < before_the_report < head // 3
    assert runner.run_batch(before_the_report) == before_the_report
    with runner.engine.connect() as connection:
        written = connection.execute(sa.select(report_state_table.c.position)).all()
    assert written == []  # nothing left over from the failed transaction
    runner.catch_up(batch_size=head // 2, chunk_size=head // 5)
    caught_up = contents(runner)
    runner.rebuild()
    assert contents(runner) == caught_up


def test_rebuilding_one_projection_leaves_the_others_alone(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    before = contents(runner)
    runner.rebuild(["audit_trail"])
    assert contents(runner) == before
    with pytest.raises(ValueError, match="projection: got nope, expected one of report_state"):
        runner.rebuild(["nope"])


def test_a_rebuild_refuses_an_edited_or_missing_event(
    seeded: World, runner: ProjectionRunner
) -> None:
    store = seeded.store
    runner.catch_up()
    edited = store.read_all(40, 1)[0]
    tamper(store, f"UPDATE events SET actor = 'someone.else' WHERE position = {edited.position}")  # type: ignore[arg-type]
    with pytest.raises(TamperedEvent) as refused:
        runner.rebuild()
    assert refused.value.position == edited.position
    # The batch that met it rolled back: nothing the log does not vouch for was written.
    assert all(position == 0 for position in runner.positions().values())
    with store.engine.begin() as connection:  # type: ignore[attr-defined]
        # The guards are already off (tamper above).
        connection.exec_driver_sql(f"DELETE FROM events WHERE position = {edited.position}")
    with pytest.raises(BrokenChain) as broken:
        runner.rebuild()
    assert str(broken.value) == (
        f"event at position {edited.position}: it is missing from the log (the next row is "
        f"{edited.position + 1}), expected an unedited log; run `jixiao audit verify`"
    )
    # Catching up (a projector following the log) reads as before, unchecked.
    assert runner.catch_up() == store.head_position() - 1


@pytest.mark.slow
def test_a_projector_following_writer_processes_equals_a_rebuild(
    world: World, runner: ProjectionRunner, database_url: str
) -> None:
    departments = [f"w{index}" for index in range(3)]
    for code in departments:
        add_department(world, code, f"第{code}部门")
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(
            target=writers.prepare_and_submit,
            args=(database_url, code, world.preparer, world.head, results),
        )
        for code in departments
    ]
    for process in processes:
        process.start()
    batches = 0

    def done() -> bool:
        nonlocal batches
        batches += 1
        writing = any(p.is_alive() for p in processes)
        return not writing and runner.positions()["audit_trail"] == world.store.head_position()

    runner.follow(stop=done, batch_size=40, poll_interval=0.01)
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in departments) == sorted(departments)

    followed = contents(runner)
    stages = {row[0]: row[5] for row in followed["pj_report_state"]}
    assert stages == {f"report:{code}:2021": "approved_by_department" for code in departments}
    assert batches > 5
    runner.rebuild()
    assert contents(runner) == followed


def _driver_rows(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    """Every row of ``table`` as the driver returns it (moments as SQLite stores their text)."""
    with engine.connect() as connection:
        return sorted(
            tuple(row) for row in connection.exec_driver_sql(f"SELECT * FROM {table.name}")
        )


def test_the_driver_upsert_writes_what_sqlalchemys_writes(
    seeded: World, runner: ProjectionRunner
) -> None:
    """``projections.sql.upsert`` (one driver statement, decision 0620) leaves the stored
    values SQLAlchemy's ``insert().on_conflict_do_update()`` left: inserted, and replacing
    every non-key column of a row already there."""
    runner.catch_up()
    written = _driver_rows(runner.engine, report_state_table)
    with runner.engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(sa.select(report_state_table))]
    assert len(rows) >= 1 and any(row["last_activity"] is not None for row in rows)
    stale = [
        {**row, "stage": "x", "view": "{}", "last_activity": datetime(2000, 1, 1)} for row in rows
    ]
    keys = ("report", "revision")
    dialect = runner.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(report_state_table)
    by_sqlalchemy = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={
            c.name: statement.excluded[c.name] for c in report_state_table.c if c.name not in keys
        },
    )
    with runner.engine.begin() as connection:
        connection.execute(sa.delete(report_state_table))
        upsert(connection, report_state_table, stale, keys)
        upsert(connection, report_state_table, rows, keys)
    assert _driver_rows(runner.engine, report_state_table) == written
    with runner.engine.begin() as connection:
        connection.execute(sa.delete(report_state_table))
        connection.execute(by_sqlalchemy, stale)
        connection.execute(by_sqlalchemy, rows)
    assert _driver_rows(runner.engine, report_state_table) == written
