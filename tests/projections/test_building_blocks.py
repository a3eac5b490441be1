"""The pieces the projections share: the view memo, change descriptions, pending actions, and
the runner's schema handling."""

from __future__ import annotations

import inspect
import json

import pytest
import sqlalchemy as sa

from events.model import Event
from projections.audit_trail import AuditTrailProjection
from projections.changes import describe_change
from projections.checkpoints import checkpoints_table
from projections.pending import pending_actions, unsigned_entries
from projections.registry import projection_runner
from projections.report_state import report_document, report_state_table
from projections.report_view import ViewMemo, report_view
from projections.runner import ProjectionRunner
from tests.workflow.report_builders import KEY, PREPARER, run, seed_draft, state_at
from tests.workflow.world import World
from workflow import report_events
from workflow.commands import (
    RecordActualSpending,
    RecordIndicatorActual,
    SetExecutionScore,
    SetIndicatorScore,
)
from workflow.report import ReportState, _copy, evolve
from workflow.roles import Role
from workflow.schemes import load_scheme
from workflow.stages import Stage


def test_the_view_memo_equals_report_view_at_every_step_of_the_seed(seeded: World) -> None:
    memo = ViewMemo()
    state = ReportState()
    for record in seeded.store.read_stream("report:gusu-rc:2021"):
        state = evolve(state, record.event)
        view, text = memo.view(state)
        assert view == report_view(state), record.event_type
        assert text == json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    for stage in (Stage.SUBMITTED, Stage.PUBLISHED):
        assert memo.view(state_at(stage))[0] == report_view(state_at(stage))


def test_a_memo_without_texts_gives_the_same_views_and_no_json(seeded: World) -> None:
    memo, bare = ViewMemo(), ViewMemo(texts=False)
    state = ReportState()
    for record in seeded.store.read_stream("report:gusu-rc:2021"):
        state = evolve(state, record.event)
        view, text = bare.view(state)
        assert view == memo.view(state)[0], record.event_type
        assert text == ""


def test_the_view_lists_notices_and_the_memo_follows_their_sources() -> None:
    draft = seed_draft()
    view = report_view(draft)
    assert view["view_version"] == 5
    assert view["notices"] == [
        {
            "section": "1.3",
            "figure": "donations",
            "label": "接收社会捐赠款物",
            "figure_raw": "156.86 万元",
            "indicator": "d07",
            "name": "爱心款物募集",
            "actual_raw": "156 万元",
            "message": "section 1.3 figure 接收社会捐赠款物 156.86 万元 differs from "
            "indicator d07 爱心款物募集 actual 156 万元",
        }
    ]
    memo = ViewMemo()
    assert memo.view(draft)[0] == view
    agreed = run(
        draft,
        RecordIndicatorActual(**KEY, indicator="d07", actual="156.86 万元", deviation_reason="……"),
        PREPARER,
    )
    assert memo.view(agreed)[0]["notices"] == [] == report_view(agreed)["notices"]


def test_a_changed_figure_reuses_the_consistency_notices_and_the_text_stays_exact() -> None:
    """The notices are two pieces (decision 0620): a budget figure changed recomputes the
    budget and the score's notices, and reuses the narrative's against the actuals (the
    same objects), the whole view and its text equal to a view made afresh."""
    draft = seed_draft()
    memo = ViewMemo()
    before = memo.view(draft)[0]["notices"]
    assert before
    spent = run(draft, RecordActualSpending(**KEY, line="homes", amount="3.21"), PREPARER)
    assert spent.lines is not draft.lines and spent.sections is draft.sections
    view, text = memo.view(spent)
    assert view == report_view(spent)
    assert text == json.dumps(report_view(spent), ensure_ascii=False, separators=(",", ":"))
    assert all(a is b for a, b in zip(view["notices"], before, strict=True))
    assert view["budget"] != report_view(draft)["budget"]


def test_a_changed_figure_makes_again_only_the_budget_rows_it_moves() -> None:
    """A budget figure changed makes its line's row and its parents' again and takes every
    other row as it was (the same objects); a figure typed with more decimals but the same
    value reads differently, and so do the sums above it. Texts and views stay exact, with
    and without the memo's JSON."""
    draft = seed_draft()
    memo, bare = ViewMemo(), ViewMemo(texts=False)
    rows = memo.view(draft)[0]["budget"]["rows"]
    bare.view(draft)
    spent = run(draft, RecordActualSpending(**KEY, line="homes", amount="3.21"), PREPARER)
    retyped = run(spent, RecordActualSpending(**KEY, line="homes", amount="3.210"), PREPARER)
    for state in (spent, retyped):
        view, text = memo.view(state)
        assert view == report_view(state) == bare.view(state)[0]
        assert text == json.dumps(report_view(state), ensure_ascii=False, separators=(",", ":"))
        assert bare.view(state)[1] == ""
    spent_rows = memo.view(spent)[0]["budget"]["rows"]
    made_again = [new["id"] for old, new in zip(rows, spent_rows, strict=True) if old is not new]
    homes = spent.line("homes")
    assert homes is not None and homes.parent is not None
    parents = [homes.parent, *spent.table().ancestors(homes.parent)]
    assert made_again == [line for line in (r["id"] for r in rows) if line in {"homes", *parents}]
    retyped_rows = memo.view(retyped)[0]["budget"]["rows"]
    assert [r["actual"] for r in retyped_rows if r["id"] == "homes"] == ["3.210"]


def test_both_pieces_of_the_notices_join_into_one_exact_list() -> None:
    """Narrative notices and typed 得分 that differ, both there: one list, its text exact,
    after the score's piece changed and the narrative's did not."""
    scheme = load_scheme("national-10-90")
    draft = seed_draft("national-10-90")
    typed = run(draft, SetIndicatorScore(**KEY, indicator="d03", score="2"), PREPARER, scheme)
    memo = ViewMemo()
    for state in (draft, typed, run(typed, SetExecutionScore(**KEY, score="9"), PREPARER, scheme)):
        view, text = memo.view(state)
        kinds = [n.get("kind") for n in view["notices"]]
        assert view == report_view(state)
        assert text == json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    assert kinds[0] is None and kinds[-2:] == ["score", "score"]


def test_report_state_rows_of_an_older_version_are_rebuilt_with_notices(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    with runner.engine.begin() as connection:
        # What a version-1 projection left: views without notices, its version in the checkpoint.
        view = json.loads(connection.execute(sa.select(report_state_table.c.view)).scalar_one())
        del view["notices"]
        connection.execute(sa.update(report_state_table).values(view=json.dumps(view)))
        connection.execute(
            sa.update(checkpoints_table)
            .where(checkpoints_table.c.name == "report_state")
            .values(version=1)
        )
    newer = projection_runner(seeded.store)  # type: ignore[arg-type]
    assert newer.setup() == ["report_state"]
    newer.catch_up()
    stored = report_document(newer.engine, "gusu-rc", 2021)
    assert stored is not None and [n["indicator"] for n in stored["notices"]] == ["d07"]


def test_every_report_event_type_has_a_change_description() -> None:
    types = [
        cls
        for _, cls in inspect.getmembers(report_events, inspect.isclass)
        if issubclass(cls, Event) and cls is not Event
    ]
    assert len(types) == 31
    draft = seed_draft()
    for cls in types:
        try:
            describe_change(cls.model_construct(), draft, draft)
        except TypeError as error:
            raise AssertionError(f"{cls.__name__} is not described") from error
        except AttributeError:
            pass  # described, but this empty event lacks the fields its description reads


def test_pending_actions_follow_the_stage_and_the_signers() -> None:
    assert [a.describe() for a in pending_actions(state_at(Stage.SUBMITTED))] == [
        "review by role:department_head"
    ]
    (finance,) = pending_actions(state_at(Stage.APPROVED_BY_DEPARTMENT))
    assert finance.role is Role.FINANCE_REVIEWER and finance.excluded == ("zhang.san", "li.si")
    assert unsigned_entries(state_at(Stage.APPROVED_BY_FINANCE)) == [
        "role:department_head",
        "role:finance_reviewer",
    ]
    assert pending_actions(state_at(Stage.PUBLISHED)) == []
    assert pending_actions(ReportState()) == []


def test_setup_rebuilds_a_changed_projection_keeping_its_indexes(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    indexes = {i["name"] for i in sa.inspect(runner.engine).get_indexes("pj_audit_trail")}
    newer = projection_runner(seeded.store)  # type: ignore[arg-type]
    audit = next(p for p in newer.projections if isinstance(p, AuditTrailProjection))
    audit.version = 2  # type: ignore[misc]
    assert newer.setup() == ["audit_trail"]
    # Emptied with DELETE: the table and its indexes are the migration's, untouched.
    assert {i["name"] for i in sa.inspect(runner.engine).get_indexes("pj_audit_trail")} == (indexes)
    assert "ix_pj_audit_trail_actor" in indexes
    statuses = {s.name: s for s in newer.status()}
    assert (statuses["audit_trail"].version, statuses["audit_trail"].position) == (2, 0)
    assert statuses["report_state"].lag == 0
    newer.catch_up()
    assert {s.lag for s in newer.status()} == {0}


def test_the_folds_direct_copy_equals_pydantic_model_copy() -> None:
    state = state_at(Stage.SUBMITTED)
    changes = {"stage": Stage.DRAFT, "submitted_by": None}
    copied = _copy(state, changes)
    expected = state.model_copy(update=changes)
    assert copied == expected and type(copied) is ReportState
    assert copied.model_fields_set == expected.model_fields_set
    assert copied.model_dump() == expected.model_dump() and state.stage is Stage.SUBMITTED
    with pytest.raises(ValueError, match="frozen"):
        copied.stage = Stage.SUBMITTED  # type: ignore[misc]
