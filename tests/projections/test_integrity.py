"""`verify_log`: the chain, every snapshot and every read model checked against one fold of
the log, on SQLite and PostgreSQL; each forgery named by table and key, or stream and version.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from events.database import database_url as chosen_url
from events.driver import LogReader
from events.store import EventStore
from projections import integrity
from projections.folded import verify_folded
from projections.runner import ProjectionRunner
from projections.verification import LogVerification
from tests.events.test_tamper import tamper
from tests.projections.world import review_to, run
from tests.workflow.report_builders import KEY
from tests.workflow.world import World
from workflow.commands import ApproveReport, SubmitReport
from workflow.stages import Stage

STREAM = "report:gusu-rc:2021"


def through_the_driver(url: str) -> Callable[..., LogVerification]:
    """`verify_log` as `jixiao audit verify` runs it through the database driver alone
    (decision 0209): the read models folded in memory, in one read transaction."""

    def verify(store: EventStore, **options: Any) -> LogVerification:
        log = LogReader.connect(chosen_url(url))
        assert log is not None
        try:
            with log.snapshot():
                return verify_folded(log, **options)
        finally:
            log.close()

    return verify


@pytest.fixture(autouse=True, params=["store", "driver"])
def verifier(request: pytest.FixtureRequest, database_url: str, monkeypatch) -> None:
    """Every test runs on both verifications: through the SQL store, with a scratch
    database, and through the driver alone, with the fold in memory; each must name the
    same problems in the same words."""
    chosen = integrity.verify_log if request.param == "store" else through_the_driver(database_url)
    monkeypatch.setattr(sys.modules[__name__], "verify_log", chosen)


verify_log: Callable[..., LogVerification] = integrity.verify_log


def edit(store: EventStore, statement: str) -> None:
    """Change a read model's or a snapshot's rows: neither has a guard to switch off."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql(statement)


def caught_up(seeded: World, runner: ProjectionRunner) -> EventStore:
    review_to(seeded, Stage.APPROVED_BY_DEPARTMENT)
    runner.catch_up()
    return seeded.store  # type: ignore[return-value]


def test_an_untouched_database_verifies_in_one_pass(
    seeded: World, runner: ProjectionRunner
) -> None:
    store = caught_up(seeded, runner)
    seen: list[int] = []
    found = verify_log(store, batch_size=40, progress=seen.append)
    assert found.ok, (found.snapshot_verdict(), found.read_model_verdict(), found.skipped)
    assert found.chain.checked == store.head_position() and seen[-1] == found.chain.checked
    assert found.snapshots_checked >= 2 and found.bad_snapshots == []
    head = store.head_position()
    assert found.read_models == dict.fromkeys(
        ("report_state", "audit_trail", "inboxes", "year_overview"), head
    )
    assert found.read_model_verdict() == (
        "read models: 4 compared (report_state, audit_trail, inboxes, year_overview) at "
        f"position {head}, each matches a fold of the log"
    )


def test_read_models_behind_the_head_are_compared_at_their_checkpoint(
    seeded: World, runner: ProjectionRunner
) -> None:
    store = caught_up(seeded, runner)
    checkpoint = store.head_position()
    run(seeded, seeded.finance, ApproveReport(**KEY, revision=1))
    found = verify_log(store)
    assert found.ok and set(found.read_models.values()) == {checkpoint}
    assert found.chain.checked == store.head_position() > checkpoint


def test_an_edited_read_model_row_is_named_by_table_and_key(
    seeded: World, runner: ProjectionRunner
) -> None:
    store = caught_up(seeded, runner)
    with store.engine.connect() as connection:
        total = connection.exec_driver_sql(
            f"SELECT total FROM pj_report_state WHERE report = '{STREAM}'"
        ).scalar()
    assert total == "279.08"
    edit(store, f"UPDATE pj_report_state SET total = '999.99' WHERE report = '{STREAM}'")
    found = verify_log(store)
    assert found.chain.ok and found.bad_snapshots == [] and not found.ok
    assert found.read_model_problem == (
        f"read model report_state: row ({STREAM}, 1) of pj_report_state differs from the log "
        "(total)"
    )


def test_a_row_removed_from_a_read_model_is_named(seeded: World, runner: ProjectionRunner) -> None:
    store = caught_up(seeded, runner)
    with store.engine.connect() as connection:
        first = connection.exec_driver_sql("SELECT min(position) FROM pj_audit_trail").scalar()
    edit(store, f"DELETE FROM pj_audit_trail WHERE position = {first}")
    assert verify_log(store).read_model_problem == (
        f"read model audit_trail: row ({first}) of pj_audit_trail is missing "
        "(a fold of the log has it)"
    )


def test_an_inserted_read_model_row_is_named(seeded: World, runner: ProjectionRunner) -> None:
    store = caught_up(seeded, runner)
    edit(
        store,
        "INSERT INTO pj_inbox_grants (user_id, role, department) "
        "VALUES ('mallory', 'finance_reviewer', '*')",
    )
    assert verify_log(store).read_model_problem == (
        "read model inboxes: row (mallory, finance_reviewer, *) of pj_inbox_grants is not in "
        "a fold of the log"
    )


def test_a_forged_snapshot_is_named_by_stream_and_version(
    seeded: World, runner: ProjectionRunner
) -> None:
    store = caught_up(seeded, runner)
    snapshot = store.load_snapshot(STREAM)
    assert snapshot is not None
    edit(
        store,
        "UPDATE snapshots SET state = replace(state, '\"260.84\"', '\"2600.84\"') "
        f"WHERE stream_id = '{STREAM}' AND version = {snapshot.version}",
    )
    found = verify_log(store)
    assert found.chain.ok and not found.ok
    (bad,) = found.bad_snapshots
    position = store.read_stream(STREAM, from_version=snapshot.version)[0].position
    assert bad == {
        "stream_id": STREAM,
        "version": snapshot.version,
        "position": position,
        "problem": "the stored state is not what the events up to it fold to",
    }
    assert found.snapshot_verdict().startswith(
        f"snapshots: 1 of {found.snapshots_checked} do not match their events, the first "
        f"{STREAM} at version {snapshot.version} (the stored state is not what"
    )


def test_a_snapshot_past_its_streams_end_is_named(seeded: World, runner: ProjectionRunner) -> None:
    store = caught_up(seeded, runner)
    edit(
        store,
        "INSERT INTO snapshots (stream_id, version, kind, schema_version, state, created_at) "
        f"SELECT stream_id, 9999, kind, schema_version, state, created_at FROM snapshots "
        f"WHERE stream_id = '{STREAM}' AND version = 50",
    )
    found = verify_log(store)
    assert found.bad_snapshots[-1] == {
        "stream_id": STREAM,
        "version": 9999,
        "position": None,
        "problem": "its stream has no event at this version",
    }


def test_a_broken_chain_stops_the_fold_and_skips_read_models_past_the_break(
    seeded: World, runner: ProjectionRunner
) -> None:
    store = caught_up(seeded, runner)
    edited = store.read_stream(STREAM)[10]
    tamper(
        store,
        f"UPDATE events SET actor = 'someone.else' WHERE position = {edited.position}",
    )
    found = verify_log(store)
    assert not found.ok and found.chain.first_bad_position == edited.position
    assert found.read_models == {}
    assert found.skipped[0] == (
        "read model report_state: not compared, the chain breaks before its checkpoint "
        f"(position {store.head_position()})"
    )


def test_a_database_without_read_models_says_so(world: World) -> None:
    store: EventStore = world.store  # type: ignore[assignment]
    with store.engine.connect() as connection:
        # The tables exist (migrations made them) but nothing was ever folded into them.
        assert (
            connection.execute(sa.text("SELECT count(*) FROM projection_checkpoints")).scalar() == 0
        )
    found = verify_log(store)
    assert found.ok and found.read_models == {}
    assert found.skipped == []
    assert found.read_model_verdict() == (
        "read models: none kept in this database yet (the first command that reads one builds them)"
    )


def test_a_submitted_report_verifies_after_many_catch_ups(
    seeded: World, runner: ProjectionRunner
) -> None:
    # Catching up a little at a time gives the same rows as one fold from the start.
    runner.catch_up()
    run(seeded, seeded.preparer, SubmitReport(**KEY))
    runner.catch_up(batch_size=3)
    assert verify_log(seeded.store).ok  # type: ignore[arg-type]


def test_audit_rows_compared_a_batch_at_a_time_name_the_first_that_differs(
    seeded: World, runner: ProjectionRunner
) -> None:
    # The driver's verification compares the audit trail a batch of the walk at a time:
    # a row past the head, beyond every batch, and a row edited in a later batch are both
    # found, and the first in key order is named, as a comparison of whole tables names it.
    store = caught_up(seeded, runner)
    head = store.head_position()
    edit(
        store,
        f"INSERT INTO pj_audit_trail SELECT {head + 5}, recorded_at, report, department, year, "
        "revision, version, actor, role, event_type, item_kind, item_id, item_label, field, "
        "before_raw, before_value, after_raw, after_value, comment, stage, hash "
        f"FROM pj_audit_trail WHERE position = (SELECT max(position) FROM pj_audit_trail)",
    )
    assert verify_log(store, batch_size=40).read_model_problem == (
        f"read model audit_trail: row ({head + 5}) of pj_audit_trail is not in a fold of the log"
    )
    with store.engine.connect() as connection:
        late = connection.exec_driver_sql(
            f"SELECT max(position) FROM pj_audit_trail WHERE position > 80 AND position <= {head}"
        ).scalar()
    edit(store, f"UPDATE pj_audit_trail SET comment = 'forged' WHERE position = {late}")
    assert verify_log(store, batch_size=40).read_model_problem == (
        f"read model audit_trail: row ({late}) of pj_audit_trail differs from the log (comment)"
    )
