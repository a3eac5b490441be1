"""Unbounded input is refused before it is read: special files, oversized files, report files
nested too deep or expanding without end, and workbooks whose archive declares more than a
自评价表 ever holds. Each refusal is one line naming the file, what it got and what was
expected, and nothing is recorded."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.files import MAX_TEXT_BYTES
from imports.documents import MAX_NESTING
from imports.sheet_bounds import MAX_CELLS, MAX_UNCOMPRESSED
from projections.report_view import report_view
from tests.cli.test_command_refusals import KEY, assert_refused, head, seed_text
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.workflow.world import seeded_template
from worker.evaluation_table import evaluation_table
from worker.xlsx import render_xlsx
from workflow.service import load_report

EXPECTED_FILE = "a report file (.yaml, .yml, .json) or a 自评价表 (.xlsx)"
SHEET = "xl/worksheets/sheet1.xml"
AGAIN = "(delete the rows and columns beyond the table, then save the workbook again)"


# --- special and oversized files ---------------------------------------------------------


def test_a_fifo_or_a_device_is_refused_before_it_is_read(admin, tmp_path: Path) -> None:
    fifo, scheme = tmp_path / "report.yaml", tmp_path / "scheme.toml"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    os.mkfifo(scheme)
    before = head(admin)
    for path, kind in (
        (fifo, "a named pipe (FIFO), not a regular file"),
        (Path("/dev/zero"), "a character device, not a regular file"),
    ):
        out = admin("report", "import", str(path), *KEY, user="zhang.san")
        assert_refused(out, f"path: got {str(path)!r}, {kind}; expected {EXPECTED_FILE}")
        out = admin("report", "import", str(path), "--check", user="zhang.san")
        assert_refused(out, f"path: got {str(path)!r}, {kind}; expected {EXPECTED_FILE}")
    out = admin("report", "open", *KEY, user="zhang.san")
    assert out.exit_code == 0
    opened = head(admin)
    out = admin("report", "narrative", *KEY, "3.1", "--file", "/dev/zero", user="zhang.san")
    assert_refused(
        out, "--file: got '/dev/zero', a character device, not a regular file; expected UTF-8 text"
    )
    out = admin("admin", "scheme", "show", str(scheme))
    assert_refused(
        out,
        f"scheme file: got {str(scheme)!r}, a named pipe (FIFO), not a regular file; "
        "expected a UTF-8 .toml file",
    )
    out = admin("audit", "artifact", str(fifo))
    assert_refused(
        out,
        f"path: got {str(fifo)!r}, a named pipe (FIFO), not a regular file; "
        "expected a rendered report file (HTML, PDF, XLSX or DOCX)",
    )
    assert before < opened == head(admin)


def test_a_file_above_the_size_bound_is_refused_before_it_is_read(admin, tmp_path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_TEXT_BYTES + 1)  # sparse: costs no disk
    before = head(admin)
    out = admin("report", "import", str(big), user="zhang.san")
    assert_refused(
        out,
        f"path: got {str(big)!r}, {MAX_TEXT_BYTES + 1:,} bytes; expected {EXPECTED_FILE} of at "
        f"most {MAX_TEXT_BYTES:,} bytes",
    )
    assert head(admin) == before


# --- report files nested too deep, or expanding without end ------------------------------


def test_deeply_nested_json_is_one_line(admin, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"department": "gusu-rc",\n "year": ' + "[" * 100_000 + "]" * 100_000 + "}")
    before = head(admin)
    for extra in ((), ("--check",), ("--check", "--json")):
        out = admin("report", "import", str(deep), *extra, user="zhang.san")
        assert out.exit_code == 1, out.stderr
        assert "Traceback" not in out.stderr + out.stdout
    out = admin("report", "import", str(deep), user="zhang.san")
    assert_refused(
        out,
        f"{deep}: line 2 column {9 + MAX_NESTING}: nested more than {MAX_NESTING} levels deep, "
        f"expected at most {MAX_NESTING} (a report file nests 6)",
    )
    assert head(admin) == before


def test_deeply_nested_yaml_is_one_line(admin, tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("department: gusu-rc\nyear: " + "[" * 50_000 + "]" * 50_000 + "\n")
    before = head(admin)
    out = admin("report", "import", str(deep), user="zhang.san")
    assert_refused(
        out,
        f"{deep}: line 2 column {6 + MAX_NESTING}: nested more than {MAX_NESTING} levels deep, "
        f"expected at most {MAX_NESTING} (a report file nests 6)",
    )
    assert head(admin) == before


def test_yaml_aliases_that_expand_without_end_are_one_line(admin, tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.yaml"
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, previous in zip("bcdefg", "abcdef", strict=True):
        rows.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    laughs.write_text("department: gusu-rc\nyear: 2021\n" + "\n".join(rows) + "\n")
    before = head(admin)
    out = admin("report", "import", str(laughs), user="zhang.san")
    assert_refused(
        out,
        f"{laughs}: line 8 column 4: expands to more than 1,000,000 values (aliases counted "
        "each time they are used), expected at most 1,000,000",
    )
    assert head(admin) == before


def test_the_seed_file_is_well_within_the_bounds(admin, tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(seed_text(), encoding="utf-8")
    out = admin("report", "import", str(seed), "--check", user="zhang.san")
    assert out.exit_code == 0, out.stderr


# --- workbooks --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_workbook() -> bytes:
    """The seed's 自评价表 as jixiao renders it: the archive the attacks are made from."""
    view = report_view(load_report(seeded_template().store, DEPARTMENT_CODE, YEAR).state)
    table = evaluation_table(view, "姑苏区预算部门整体支出预算绩效自评价表")
    return render_xlsx(table, datetime(2022, 3, 1, tzinfo=UTC))


def rewritten(workbook: bytes, change, extra: dict[str, bytes] | None = None) -> bytes:
    """``workbook`` with its sheet's XML passed through ``change`` and ``extra`` members."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename == SHEET:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(member.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def import_refused(admin, path: Path, workbook: bytes, message: str) -> None:
    path.write_bytes(workbook)
    before = head(admin)
    for extra in ((), ("--check",)):
        out = admin("report", "import", str(path), *KEY, *extra, user="zhang.san")
        assert_refused(out, f"{path}: {message}")
    assert head(admin) == before


def test_a_huge_declared_dimension_is_refused_before_loading(admin, tmp_path, seed_workbook):
    hostile = rewritten(
        seed_workbook,
        lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:NTP10000000"', xml),
    )
    assert len(hostile) < 20_000  # a few kilobytes that claim ten million rows
    import_refused(
        admin,
        tmp_path / "dimension.xlsx",
        hostile,
        f"{SHEET} dimension A1:NTP10000000: got 10,000,000 rows × 10,000 columns, expected at "
        f"most 20,000 rows and 64 columns {AGAIN}",
    )


def test_too_many_cells_are_refused_before_loading(admin, tmp_path, seed_workbook) -> None:
    # Rows of empty styled cells below the table, under a dimension that does not admit them.
    rows = "".join(f'<row r="{r}">' + "<c/>" * 64 + "</row>" for r in range(100, 4100))
    hostile = rewritten(
        seed_workbook, lambda xml: xml.replace("</sheetData>", rows + "</sheetData>")
    )
    assert len(hostile) < 100_000
    import_refused(
        admin,
        tmp_path / "cells.xlsx",
        hostile,
        f"{SHEET} cells: got more than {MAX_CELLS:,} in the workbook, expected at most "
        f"{MAX_CELLS:,} (a 自评价表 of 5,000 items has about 60,000)",
    )


def test_a_cell_past_the_last_row_is_refused_whatever_the_dimension_says(
    admin, tmp_path, seed_workbook
) -> None:
    far = '<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    hostile = rewritten(
        seed_workbook, lambda xml: xml.replace("</sheetData>", far + "</sheetData>")
    )
    import_refused(
        admin,
        tmp_path / "far.xlsx",
        hostile,
        f"{SHEET} row 1048576: got 1,048,576 rows, expected at most 20,000 rows and 64 columns "
        f"{AGAIN}",
    )


def test_an_archive_that_inflates_past_the_bound_is_refused(admin, tmp_path, seed_workbook):
    padding = b"\0" * (MAX_UNCOMPRESSED + 1)
    hostile = rewritten(seed_workbook, lambda xml: xml, {"xl/media/padding.bin": padding})
    assert len(hostile) < 100_000
    inflated = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(hostile)).infolist())
    import_refused(
        admin,
        tmp_path / "inflating.xlsx",
        hostile,
        f"uncompressed size: got {inflated:,} bytes (xl/media/padding.bin alone "
        f"{MAX_UNCOMPRESSED + 1:,}), expected at most {MAX_UNCOMPRESSED:,} bytes",
    )


def test_a_document_type_declaration_is_refused(admin, tmp_path, seed_workbook) -> None:
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    hostile = rewritten(seed_workbook, lambda xml: laughs + xml.replace("<v>", "<v>&b;", 1))
    import_refused(
        admin,
        tmp_path / "doctype.xlsx",
        hostile,
        f"{SHEET} document type declaration: got one, expected none (no workbook has one; it is "
        "how entity-expansion attacks begin)",
    )


def test_the_untouched_workbook_is_within_the_bounds(admin, tmp_path, seed_workbook) -> None:
    path = tmp_path / "seed.xlsx"
    path.write_bytes(rewritten(seed_workbook, lambda xml: xml))
    out = admin("report", "import", str(path), *KEY, "--check", user="zhang.san")
    assert out.exit_code == 0, out.stderr
