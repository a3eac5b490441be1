"""A forged snapshot never reaches a signed-off document, a decision or the next snapshot.

Snapshots are not chained: an attacker who edits only the ``snapshots`` table breaks no hash.
Rendering folds the report from its first event; commands do too; so the forged sentence
stays in the forged rows, where `audit verify` names them.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.seed import DEPARTMENT_CODE, YEAR
from tests.worker.html_reading import read_blocks
from tests.worker.signed_off import Office
from worker.render import render_revision
from workflow.commands import (
    ApproveReport,
    EditNarrative,
    ReopenReport,
    SignOffReport,
    SubmitReport,
)
from workflow.service import SNAPSHOT_EVERY, execute

STREAM = f"report:{DEPARTMENT_CODE}:{YEAR}"
KEY = {"department": DEPARTMENT_CODE, "year": YEAR}
TRUE = "各项工作指标均圆满完成"
FORGED = "各项工作指标均未完成，资金另作他用"


def forge_snapshots(office: Office) -> list[int]:
    """Put the forged sentence in every stored snapshot of the report; their versions."""
    with office.store.engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE snapshots SET state = replace(state, '{TRUE}', '{FORGED}') "
            f"WHERE stream_id = '{STREAM}'"
        )
        rows = connection.exec_driver_sql(
            f"SELECT version, state FROM snapshots WHERE stream_id = '{STREAM}' ORDER BY version"
        ).all()
    assert rows and all(FORGED in state for _, state in rows)
    return [version for version, _ in rows]


def html_text(office: Office, revision: int, out: Path) -> str:
    outcome = render_revision(office.store, DEPARTMENT_CODE, YEAR, revision, out_dir=out)
    html = next(Path(a.path) for a in outcome.artifacts if a.format == "html")
    return "\n".join(text for _, text in read_blocks(html.read_text()))


def test_a_forged_snapshot_is_not_rendered_copied_or_decided_on(
    office: Office, tmp_path: Path
) -> None:
    store = office.store
    forged = forge_snapshots(office)
    # The revision signed off before the forgery renders what its events say.
    first = html_text(office, 1, tmp_path / "r1")
    assert TRUE in first and FORGED not in first

    # Reopen, edit past the next snapshot, sign off again: every command folds the log.
    execute(store, office.finance, ReopenReport(**KEY, reason="财政局复核"))
    edits = 0
    while store.stream_version(STREAM) <= max(forged) + SNAPSHOT_EVERY:
        edits += 1
        execute(
            store, office.preparer, EditNarrative(**KEY, section="3.1", text=f"第{edits}次修改。")
        )
    execute(store, office.preparer, SubmitReport(**KEY))
    for who in (office.head, office.finance):
        execute(store, who, ApproveReport(**KEY, revision=2))
    for who in (office.head, office.finance):
        execute(store, who, SignOffReport(**KEY, revision=2))
    second = html_text(office, 2, tmp_path / "r2")
    assert TRUE in second and FORGED not in second

    newer = store.load_snapshot(STREAM)
    assert newer is not None and newer.version > max(forged)
    text = json.dumps(newer.state, ensure_ascii=False)
    assert TRUE in text and FORGED not in text
