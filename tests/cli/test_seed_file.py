"""The bundled seed report file is exactly what the seed data enters through the domain."""

from __future__ import annotations

from cli.seed_file import SEED_FILE, seed_document_text


def test_the_bundled_seed_file_matches_the_seed_data() -> None:
    assert SEED_FILE.read_text(encoding="utf-8") == seed_document_text(), (
        "cli/data/gusu-redcross-2021.yaml is out of date: run scripts/export-seed"
    )
