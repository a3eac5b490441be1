"""Report state round-trips through snapshots; the service writes them, only read models'
loading starts from them, and nothing that decides does."""

from __future__ import annotations

from events.protocol import Snapshot
from tests.workflow.report_builders import KEY, state_at
from tests.workflow.world import World
from workflow.commands import SetInitialBudget
from workflow.report import SNAPSHOT_KIND, SNAPSHOT_SCHEMA, ReportState, fold
from workflow.service import SNAPSHOT_EVERY, execute, load_report, load_report_from_snapshot
from workflow.stages import Stage

STREAM = "report:gusu-rc:2021"


def test_every_stage_round_trips_through_snapshot_data() -> None:
    for stage in Stage:
        state = state_at(stage)
        assert ReportState.from_snapshot(state.to_snapshot()) == state


def test_the_service_snapshots_and_loads_from_snapshots(seeded: World) -> None:
    snapshots = seeded.store.snapshots[STREAM]
    version = seeded.store.stream_version(STREAM)
    # Every seed command records one event, so a snapshot lands on each multiple.
    assert version > 2 * SNAPSHOT_EVERY
    assert [s.version for s in snapshots] == list(
        range(SNAPSHOT_EVERY, version + 1, SNAPSHOT_EVERY)
    )
    assert all(s.kind == SNAPSHOT_KIND for s in snapshots)
    full = fold(r.event for r in seeded.store.read_stream(STREAM))
    assert load_report(seeded.store, "gusu-rc", 2021).state == full
    assert load_report_from_snapshot(seeded.store, STREAM).state == full


def test_a_planted_snapshot_reaches_only_the_read_models_loading(seeded: World) -> None:
    # Plant a snapshot that differs from the log, as an attacker editing the table would.
    version = seeded.store.stream_version(STREAM)
    loaded = load_report(seeded.store, "gusu-rc", 2021)
    marked = loaded.state.model_copy(update={"department_name": "快照"})
    seeded.store.snapshots[STREAM].append(
        Snapshot(
            stream_id=STREAM,
            version=version,
            kind=SNAPSHOT_KIND,
            schema_version=SNAPSHOT_SCHEMA,
            state=marked.to_snapshot(),
        )
    )
    # Read models start from it (audit verify compares them and it with the log)...
    assert load_report_from_snapshot(seeded.store, STREAM).state.department_name == "快照"
    # ...an earlier load ignores newer snapshots...
    earlier = load_report_from_snapshot(seeded.store, STREAM, to_version=version - 1)
    assert earlier.version == version - 1 and earlier.state.department_name == "姑苏区红十字会"
    # ...and loading for a decision, a rendering or an audit folds the log.
    assert load_report(seeded.store, "gusu-rc", 2021).state == loaded.state
    assert load_report(seeded.store, "gusu-rc", 2021, verified=True).state == loaded.state
    execute(seeded.store, seeded.preparer, SetInitialBudget(**KEY, line="it", amount="2.5"))
    assert load_report(seeded.store, "gusu-rc", 2021).version == version + 1
    # The next snapshot written holds what the log says, not what the planted one said.
    amounts = (f"{n}.5" for n in range(3, 3 + SNAPSHOT_EVERY))
    while seeded.store.snapshots[STREAM][-1].version <= version:
        execute(
            seeded.store, seeded.preparer, SetInitialBudget(**KEY, line="it", amount=next(amounts))
        )
    assert seeded.store.snapshots[STREAM][-1].state["department_name"] == "姑苏区红十字会"


def test_a_snapshot_of_an_older_schema_is_ignored(seeded: World) -> None:
    # Schema 1 had no adjustments_recorded: trusting it would number adjustments from 1 again.
    version = seeded.store.stream_version(STREAM)
    loaded = load_report(seeded.store, "gusu-rc", 2021)
    old = loaded.state.to_snapshot()
    del old["adjustments_recorded"]
    old["department_name"] = "旧快照"
    seeded.store.snapshots[STREAM].append(
        Snapshot(
            stream_id=STREAM,
            version=version,
            kind=SNAPSHOT_KIND,
            schema_version=SNAPSHOT_SCHEMA - 1,
            state=old,
        )
    )
    state = load_report_from_snapshot(seeded.store, STREAM).state
    assert state == loaded.state and state.department_name == "姑苏区红十字会"
    # The seed removes no line, so the counter equals the adjustments on its lines (7).
    assert state.adjustments_recorded == sum(len(line.adjustments) for line in state.lines) == 7
