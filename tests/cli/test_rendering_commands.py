"""Rendering from the command line and proving a published file matches its events."""

from __future__ import annotations

import json
from pathlib import Path

from cli.seed_file import SEED_FILE
from tests.cli.conftest import KEY, REVIEW_TO_SIGN_OFF, on_administration, run_steps


@on_administration
def signed_off(run):
    run_steps(run, [(("report", "import", str(SEED_FILE)), "zhang.san"), *REVIEW_TO_SIGN_OFF])


def test_render_pending_renders_each_signed_off_revision_once(signed_off, tmp_path: Path) -> None:
    run = signed_off
    out = run("worker", "render-pending", "--out", str(tmp_path), "--json")
    assert out.exit_code == 0, out.stderr
    (rendered,) = json.loads(out.stdout)
    assert rendered["report"] == "report:gusu-rc:2021" and rendered["revision"] == 1
    assert sorted(Path(p).suffix for p in rendered["artifacts"]) == [".html", ".pdf", ".xlsx"]
    assert json.loads(run("report", "show", *KEY, "--json").stdout)["stage"] == "rendered"
    again = run("worker", "render-pending", "--out", str(tmp_path), "--json")
    assert json.loads(again.stdout) == []


def test_audit_artifact_proves_a_file_and_finds_tampering(signed_off, tmp_path: Path) -> None:
    run = signed_off
    rendered = json.loads(run("worker", "render-pending", "--out", str(tmp_path), "--json").stdout)
    files = {Path(p).suffix: Path(p) for p in rendered[0]["artifacts"]}
    out = run("audit", "artifact", str(files[".pdf"]), "--json")
    assert out.exit_code == 0, out.stderr
    proof = json.loads(out.stdout)
    assert (proof["report"], proof["revision"], proof["ok"]) == ("report:gusu-rc:2021", 1, True)
    assert all(c["file_matches"] and c["rerender_matches"] for c in proof["checks"])

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(files[".pdf"].read_bytes() + b"\n% edited")
    out = run("audit", "artifact", str(forged))
    assert out.exit_code == 1
    assert "no ReportRendered event records this file" in out.stderr

    files[".xlsx"].write_bytes(b"not the spreadsheet")
    out = run("audit", "artifact", str(files[".html"]))
    assert out.exit_code == 1
    assert "xlsx  DIFFERS" in out.stdout
