"""`jixiao audit` against an attacker who edits the tables with SQL: every copy of the truth
is checked, and every audit command checks the segment of the chain it reads.

`audit verify` names a forged snapshot (stream and version) and an edited read-model row
(table and key); `audit trail` refuses an edited event; `as-of` and `diff` refuse a deleted
one; `audit artifact` refuses to vouch for a file once an event it folds was edited. Each
exits 1 with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.context import open_store
from cli.seed_file import SEED_FILE
from tests.cli.conftest import KEY, REVIEW_TO_SIGN_OFF, Invoke, Outcome, run_steps
from tests.events.test_tamper import tamper

STREAM = "report:gusu-rc:2021"


@pytest.fixture
def shown(admin: Invoke) -> Invoke:
    """The seed imported and shown once (which builds the read models)."""
    out = admin("report", "import", str(SEED_FILE), user="zhang.san")
    assert out.exit_code == 0, out.stderr
    out = admin("report", "show", *KEY, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    return admin


def refused(out: Outcome) -> str:
    """The one line a refusal printed on stderr, with exit 1 and nothing on stdout."""
    assert out.exit_code == 1, (out.exit_code, out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert out.stdout == ""
    return lines[0]


def edit(statement: str) -> None:
    """Change rows that have no guard (snapshots, read models)."""
    with open_store().engine.begin() as connection:
        connection.exec_driver_sql(statement)


def test_verify_names_a_forged_snapshot_and_an_edited_read_model_row(shown: Invoke) -> None:
    run = shown
    clean = run("audit", "verify")
    assert clean.exit_code == 0, clean.stdout
    head = open_store().head_position()
    assert clean.stdout.splitlines()[1:] == [
        "snapshots: 1 checked, each matches its events",
        "read models: 4 compared (report_state, audit_trail, inboxes, year_overview) at "
        f"position {head}, each matches a fold of the log",
    ]
    snapshot = open_store().load_snapshot(STREAM)
    assert snapshot is not None
    edit(
        "UPDATE snapshots SET state = "
        "replace(state, '各项工作指标均圆满完成', '各项工作指标均未完成') "
        f"WHERE stream_id = '{STREAM}'"
    )
    out = run("audit", "verify")
    assert out.exit_code == 1
    assert out.stdout.splitlines()[1] == (
        f"snapshots: 1 of 1 do not match their events, the first {STREAM} at version "
        f"{snapshot.version} (the stored state is not what the events up to it fold to); read "
        "models may show what it says: delete it (snapshots are derived data) and rebuild "
        "them (`jixiao projections rebuild`)"
    )
    edit(f"DELETE FROM snapshots WHERE stream_id = '{STREAM}'")
    assert run("audit", "verify").exit_code == 0

    edit(f"UPDATE pj_report_state SET total = '999.99' WHERE report = '{STREAM}'")
    listed = run("report", "list", "-y", "2021", user="zhang.san")
    assert "999.99" in listed.stdout  # what people see comes from the read model
    out = run("audit", "verify")
    assert out.exit_code == 1
    assert out.stdout.splitlines()[-1] == (
        f"read model report_state: row ({STREAM}, 1) of pj_report_state differs from the log "
        "(total)"
    )
    data = json.loads(run("audit", "verify", "--json").stdout)
    assert data["ok"] is False and data["snapshots"] == {"checked": 0, "mismatched": []}
    assert data["read_models"]["problem"].startswith("read model report_state: row (")
    # --chain-only walks the chain alone, as verify did before it compared the copies.
    assert run("audit", "verify", "--chain-only").stdout.splitlines()[1:] == []
    assert run("audit", "verify", "--chain-only").exit_code == 0


def test_verify_notices_a_removed_last_event_the_read_models_remember(shown: Invoke) -> None:
    run = shown
    store = open_store()
    last = store.head_position()
    tamper(
        store,
        f"DELETE FROM events WHERE position = {last}",
        f"UPDATE event_log_head SET position = {last - 1}, "
        f"hash = '{store.hash_at(last - 1)}' WHERE id = 1",
    )
    out = run("audit", "verify")
    assert out.exit_code == 1
    assert out.stdout.splitlines()[0].startswith(f"chain intact: {last - 1} events")
    assert out.stdout.splitlines()[-1] == (
        f"read model report_state: row ({STREAM}, 1) of pj_report_state differs from the log "
        "(last_event_type, version, position, view)"
    )


def test_trail_refuses_an_edited_event_naming_its_position(shown: Invoke) -> None:
    run = shown
    assert run("audit", "trail", *KEY).exit_code == 0
    record = open_store().read_stream(STREAM)[20]
    tamper(
        open_store(),
        f"UPDATE events SET actor = 'someone.else' WHERE position = {record.position}",
    )
    assert refused(run("audit", "trail", *KEY)) == (
        f"error: event at position {record.position} ({STREAM} version {record.version}): its "
        "content does not match its hash, expected an unedited log; run `jixiao audit verify`"
    )
    assert refused(run("audit", "trail", *KEY, "--json")).startswith(
        f"error: event at position {record.position} "
    )


def test_trail_refuses_a_deleted_event_it_lists(shown: Invoke) -> None:
    run = shown
    record = open_store().read_stream(STREAM)[20]
    tamper(open_store(), f"DELETE FROM events WHERE position = {record.position}")
    assert refused(run("audit", "trail", *KEY)) == (
        f"error: event at position {record.position}: no event holds this position any more, "
        "expected an unedited log; run `jixiao audit verify`"
    )


def test_as_of_and_diff_refuse_a_deleted_middle_event(shown: Invoke) -> None:
    run = shown
    events = open_store().read_stream(STREAM)
    first = events[0]
    head = open_store().head_position()
    assert run("audit", "as-of", *KEY, str(head)).exit_code == 0
    # The import is one append: its events sit next to each other in the log.
    gone, after = first.position + 1, events[2]
    tamper(open_store(), f"DELETE FROM events WHERE position = {gone}")
    message = (
        f"error: event at position {after.position} ({STREAM} version 3): version 2 of its "
        "stream, before it, is missing from the log, expected an unedited log; run "
        "`jixiao audit verify`"
    )
    assert refused(run("audit", "as-of", *KEY, str(head))) == message
    assert refused(run("audit", "as-of", *KEY, str(head), "--json")) == message
    assert refused(run("audit", "diff", *KEY, str(first.position), str(head))) == message


def test_artifact_refuses_to_vouch_once_an_event_it_folds_was_edited(
    shown: Invoke, tmp_path: Path
) -> None:
    run = shown
    run_steps(run, REVIEW_TO_SIGN_OFF)
    out = run("worker", "render-pending", "--out", str(tmp_path / "server"), "--json")
    assert out.exit_code == 0, out.stderr
    html = next(Path(p) for p in json.loads(out.stdout)[0]["artifacts"] if p.endswith(".html"))
    assert "re-rendered identically" in run("audit", "artifact", str(html)).stdout
    record = open_store().read_stream(STREAM)[5]
    # An edit that changes nothing rendered: only the hash tells it.
    tamper(
        open_store(),
        f"UPDATE events SET actor = 'someone.else' WHERE position = {record.position}",
    )
    line = refused(run("audit", "artifact", str(html)))
    assert line.startswith(f"error: event at position {record.position} ({STREAM} version 6)")
