"""Commands that write files never write over one that exists without --force, and never over
the database (nor its -wal, -shm and -journal files), even with --force: `report export -o`
onto the live .db once destroyed it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from cli.seed_file import SEED_FILE
from tests.cli.conftest import Invoke

KEY = ("-d", "gusu-rc", "-y", "2021")


@pytest.fixture
def imported(admin: Invoke) -> Invoke:
    out = admin("report", "import", str(SEED_FILE), user="zhang.san")
    assert out.exit_code == 0, out.stderr
    return admin


def verified(run: Invoke) -> dict:
    out = run("audit", "verify", "--json")
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(out, message: str) -> None:
    assert (out.exit_code, out.stdout, out.stderr) == (1, "", f"error: {message}\n")


def test_export_never_writes_over_the_database(imported: Invoke, tmp_path: Path) -> None:
    database = (tmp_path / "cli.db").resolve()
    before = verified(imported)
    symlink, hardlink = tmp_path / "report.yaml", tmp_path / "hard.yaml"
    symlink.symlink_to(database)
    os.link(database, hardlink)
    targets = {
        str(database): database,
        f"{tmp_path}/../{tmp_path.name}/cli.db": database,
        str(symlink): database,
        str(hardlink): database,
        f"{database}-wal": Path(f"{database}-wal"),
        f"{database}-shm": Path(f"{database}-shm"),
        f"{database}-journal": Path(f"{database}-journal"),
        str(tmp_path / "cli-broker.db"): (tmp_path / "cli-broker.db").resolve(),
    }
    for given, guarded in targets.items():
        for force in ((), ("--force",)):
            out = imported("report", "export", *KEY, "-o", given, *force)
            refused(
                out,
                f"--out: got {given!r}, which is the jixiao database file {guarded}; expected "
                "any other file (the database is never written over, even with --force)",
            )
    assert verified(imported) == before
    assert imported("report", "show", *KEY, "--json").exit_code == 0


def test_export_writes_over_an_existing_file_only_with_force(imported, tmp_path) -> None:
    target = tmp_path / "gusu-2021.yaml"
    target.write_text("mine, not jixiao's\n", encoding="utf-8")
    out = imported("report", "export", *KEY, "-o", str(target))
    refused(
        out,
        f"--out: got {str(target)!r}, a file that exists; expected a new file, or --force to "
        "replace it",
    )
    assert target.read_text(encoding="utf-8") == "mine, not jixiao's\n"
    out = imported("report", "export", *KEY, "-o", str(target), "--force")
    assert (out.exit_code, out.stdout) == (0, f"wrote {target}\n"), out.stderr
    assert target.read_text(encoding="utf-8").startswith("format: jixiao-report\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    out = imported("report", "export", *KEY, "-o", str(folder), "--force")
    refused(out, f"--out: got {str(folder)!r}, a directory; expected a file")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    out = imported("report", "export", *KEY, "-o", str(fifo), "--force")
    refused(
        out, f"--out: got {str(fifo)!r}, a named pipe (FIFO), not a regular file; expected a file"
    )


def test_replay_writes_over_its_change_log_only_with_force(imported, tmp_path) -> None:
    out_dir = tmp_path / "audit"
    first = imported("audit", "replay", "2021", "-o", str(out_dir))
    assert first.exit_code == 0, first.stderr
    written = out_dir / "changes-2021.json"
    kept = digest(written)
    (out_dir / "changes-2021.csv").write_text("an auditor's notes\n", encoding="utf-8")
    again = imported("audit", "replay", "2021", "-o", str(out_dir))
    refused(
        again,
        f"--out: got {str(written)!r}, a file that exists; expected a new file, or --force to "
        "replace it",
    )
    assert digest(written) == kept
    assert (out_dir / "changes-2021.csv").read_text(encoding="utf-8") == "an auditor's notes\n"
    forced = imported("audit", "replay", "2021", "-o", str(out_dir), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (out_dir / "changes-2021.csv").read_text(encoding="utf-8-sig").startswith("position,")


def test_the_demo_never_deletes_the_database_in_use(jixiao: Invoke, tmp_path: Path) -> None:
    live = tmp_path / "jixiao.db"
    url = f"sqlite:///{live}"
    assert jixiao("--db", url, "admin", "init", "--admin", "root").exit_code == 0
    kept = digest(live)
    out = jixiao("--db", url, "demo", "--out", str(tmp_path))
    refused(
        out,
        f"--out: got {str(tmp_path)!r}, which holds the jixiao database file {live.resolve()}; "
        "expected a folder without it (a previous demo's jixiao*.db* files there are deleted)",
    )
    assert digest(live) == kept
    assert jixiao("--db", url, "audit", "verify").exit_code == 0
