"""Rendering from the command line and proving a published file matches its events."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cli.seed_file import SEED_FILE
from events import EventStore
from tests.cli.conftest import KEY, REVIEW_TO_SIGN_OFF, on_administration, run_steps
from workflow.service import record_render_failure


@on_administration
def signed_off(run):
    run_steps(run, [(("report", "import", str(SEED_FILE)), "zhang.san"), *REVIEW_TO_SIGN_OFF])


def test_render_pending_renders_each_signed_off_revision_once(signed_off, tmp_path: Path) -> None:
    run = signed_off
    out = run("worker", "render-pending", "--out", str(tmp_path), "--json")
    assert out.exit_code == 0, out.stderr
    (rendered,) = json.loads(out.stdout)
    assert rendered["report"] == "report:gusu-rc:2021" and rendered["revision"] == 1
    assert sorted(Path(p).suffix for p in rendered["artifacts"]) == [
        ".docx",
        ".html",
        ".pdf",
        ".xlsx",
    ]
    assert json.loads(run("report", "show", *KEY, "--json").stdout)["stage"] == "rendered"
    again = run("worker", "render-pending", "--out", str(tmp_path), "--json")
    assert json.loads(again.stdout) == []


def test_audit_artifact_proves_a_file_and_finds_tampering(
    signed_off, tmp_path: Path, mode: str
) -> None:
    run = signed_off
    rendered = json.loads(run("worker", "render-pending", "--out", str(tmp_path), "--json").stdout)
    files = {Path(p).suffix: Path(p) for p in rendered[0]["artifacts"]}
    out = run("audit", "artifact", str(files[".pdf"]), "--json")
    assert out.exit_code == 0, out.stderr
    proof = json.loads(out.stdout)
    assert (proof["report"], proof["revision"], proof["ok"]) == ("report:gusu-rc:2021", 1, True)
    assert all(c["file_matches"] and c["rerender_matches"] for c in proof["checks"])
    assert sorted(c["format"] for c in proof["checks"]) == ["docx", "html", "pdf", "xlsx"]
    word = run("audit", "artifact", str(files[".docx"]), "--json")
    assert word.exit_code == 0 and json.loads(word.stdout)["ok"], word.stderr

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(files[".pdf"].read_bytes() + b"\n% edited")
    out = run("audit", "artifact", str(forged))
    assert out.exit_code == 1
    assert "no ReportRendered event records this file" in out.stderr

    files[".xlsx"].write_bytes(b"not the spreadsheet")
    out = run("audit", "artifact", str(files[".html"]))
    assert out.exit_code == 1
    assert "xlsx  DIFFERS" in out.stdout


def test_a_render_the_worker_gave_up_on_is_shown_and_retried_on_request(
    signed_off, tmp_path: Path
) -> None:
    run = signed_off
    store = EventStore.open(os.environ["JIXIAO_DB"])
    slow = "render took longer than 120 s"
    for attempt in (1, 2):
        record_render_failure(
            store,
            "gusu-rc",
            2021,
            revision=1,
            formats=("html", "pdf", "xlsx"),
            reason=slow,
            attempt=attempt,
            final=attempt == 2,
        )
    note = f"render failed after 2 attempts: {slow}"
    finance = run("review", "inbox", user="wang.wu")
    assert "reopen" in finance.stdout and note in finance.stdout
    assert note in run("review", "inbox", user="root").stdout
    overview = run("report", "overview", "2021")
    assert "note" in overview.stdout and note in overview.stdout
    [row] = json.loads(run("report", "overview", "2021", "--json").stdout)
    assert (row["stage"], row["note"]) == ("signed_off", note)

    skipped = run("worker", "render-pending", "--out", str(tmp_path), "--json")
    assert skipped.exit_code == 0 and json.loads(skipped.stdout) == []
    assert skipped.stderr.strip() == (
        "skipped report:gusu-rc:2021 revision 1: render failed after 2 attempt(s): "
        f"{slow} (--retry-failed renders it here)"
    )
    out = run("worker", "render-pending", "--out", str(tmp_path), "--retry-failed", "--json")
    assert out.exit_code == 0, out.stderr
    (rendered,) = json.loads(out.stdout)
    assert (rendered["report"], rendered["revision"]) == ("report:gusu-rc:2021", 1)
    assert "nothing waits for wang.wu" in run("review", "inbox", user="wang.wu").stdout
    [row] = json.loads(run("report", "overview", "2021", "--json").stdout)
    assert (row["stage"], row["note"]) == ("rendered", None)
