"""The bundled seed report file is the seed's one source, kept as jixiao writes reports."""

from __future__ import annotations

from cli.files import dump_yaml
from cli.seed_file import SEED_FILE
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.workflow.world import enter_seed, make_world
from workflow.report_file import state_document
from workflow.service import load_report


def test_the_bundled_seed_file_is_what_exporting_its_report_gives_back() -> None:
    world = make_world()
    enter_seed(world)
    exported = dump_yaml(state_document(load_report(world.store, DEPARTMENT_CODE, YEAR).state))
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    # Two lines of comment say what the file is; the rest is the export, byte for byte.
    assert [line for line in lines if line.startswith("#")] == lines[:2]
    assert "".join(lines[2:]) == exported
