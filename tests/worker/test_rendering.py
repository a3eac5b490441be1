"""Rendering the signed-off seed report in this process: content, determinism, idempotence.

Every figure of the seed's 自评价表 is read back from the HTML tables, the XLSX cells and
the PDF text, and compared with the seed as typed (the bundled report file, tests/seed.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from events import EventStore
from projections.migrations import open_store
from tests.seed import (
    BUDGET_LINES,
    DEPARTMENT_CODE,
    FUNCTIONS,
    INDICATORS,
    YEAR,
    seed_commands,
)
from tests.worker.conftest import signed_off_copy
from tests.worker.html_reading import read_blocks, read_tables
from tests.worker.signed_off import Office, open_office
from tests.worlds import TemplateDatabases
from worker.artifact_files import artifact_name, write_once
from worker.evaluation_table import BUDGET_HEADERS
from worker.render import (
    FORMATS,
    TEMPLATE_VERSION,
    RenderOutcome,
    provenance_of,
    render_documents,
    render_revision,
    signed_off_view,
)
from worker.revision import find_signed_off
from worker.verify import verify_file, verify_rendering
from workflow.commands import (
    ApproveReport,
    RenameBudgetLine,
    ReopenReport,
    SignOffReport,
    SubmitReport,
)
from workflow.errors import StaleRevision
from workflow.service import execute

STREAM = f"report:{DEPARTMENT_CODE}:{YEAR}"


def render(office: Office, out_dir: Path) -> RenderOutcome:
    return render_revision(office.store, DEPARTMENT_CODE, YEAR, 1, out_dir=out_dir)


def files(outcome: RenderOutcome) -> dict[str, Path]:
    return {artifact.format: Path(artifact.path) for artifact in outcome.artifacts}


@pytest.fixture(scope="module")
def rendered(
    awaiting_last_signature: tuple[str, Office],
    template_databases: TemplateDatabases,
    tmp_path_factory: pytest.TempPathFactory,
) -> RenderOutcome:
    """The signed-off seed rendered once, for the tests that only read the files."""
    folder = tmp_path_factory.mktemp("rendered")
    office = signed_off_copy(
        awaiting_last_signature, template_databases, f"sqlite:///{folder / 'jixiao.db'}"
    )
    return render(office, folder / "out")


def seed_budget_row(line) -> list[str]:
    """A budget line as the form prints it: amounts to the hundredth, the rate's number
    alone under 预算执行率（%） (the scheme's one decimal)."""
    label = ("其中：" if line.id in ("basic", "publicity") else "") + line.name
    figures = (line.initial, line.adjustment, line.higher_level, line.total, line.actual)
    return [label, *(f"{Decimal(f):.2f}" for f in figures), f"{Decimal(line.rate):.1f}"]


def test_html_budget_table_holds_all_12_rows_of_the_seed(rendered: RenderOutcome) -> None:
    grid = read_tables(files(rendered)["html"].read_text())["budget-table"]
    assert grid[0] == ["本年度预算资金（万元）", *BUDGET_HEADERS]
    body = grid[1:]
    assert len(body) == len(BUDGET_LINES) == 12
    for row, line in zip(body, BUDGET_LINES, strict=True):
        assert row == seed_budget_row(line), line.name


def test_html_indicator_table_holds_every_target_actual_and_reason(
    rendered: RenderOutcome,
) -> None:
    grid = read_tables(files(rendered)["html"].read_text())["indicator-table"]
    assert grid[0] == ["分解目标"] * 3 + ["指标目标值", "指标完成值", "偏差原因分析"]
    assert grid[1] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标目标值",
        "指标完成值",
        "偏差原因分析",
    ]
    rows, notes = grid[2:-1], grid[-1]
    assert len(rows) == len(INDICATORS) == 34
    for row, seed in zip(rows, INDICATORS, strict=True):
        category, project, name, target, actual, reason = row
        assert category == seed.category, seed.id
        # Without a project (二级), the indicator's name spreads over the project column.
        assert project == (seed.project or seed.name), seed.id
        assert (name, target, actual) == (seed.name, seed.target, seed.actual), seed.id
        assert reason == (seed.deviation or ""), seed.id
    assert notes[0] == "备注"
    assert "预算调整率（系统计算）：7.6%" in notes[1]


def test_html_reads_like_the_seed_report(rendered: RenderOutcome) -> None:
    blocks = read_blocks(files(rendered)["html"].read_text())
    headings = [text for tag, text in blocks if tag != "p"]
    assert headings[:3] == [
        "姑苏区预算部门整体支出预算绩效自评价报告",
        "第一部分 部门概况",
        "一、部门主要职能",
    ]
    expected_in_order = [
        "二、部门组织架构、人员及资产基本情况",
        "三、2021年度主要工作完成情况",
        "（一）坚持党建引领，增强奋进活力",
        "（四）把握宣传阵地，正确引领舆论导向",
        "四、预算安排、执行情况和预算绩效管理工作开展情况",
        "第二部分 绩效目标实现情况",
        "一、部门管理",
        "四、部门能力建设",
        "第三部分 绩效管理结果应用情况",
        "三、绩效信息公开情况",
        "姑苏区预算部门整体支出预算绩效自评价表",
    ]
    assert [h for h in headings if h in expected_in_order] == expected_in_order
    paragraphs = [text for tag, text in blocks if tag == "p"]
    assert [p for p in paragraphs if p.startswith("（七）")] == [f"（七）{FUNCTIONS[6]}"]
    assert (
        "2.截至2021年12月底，本单位有编制4人，有在职人员6名，其中正科1名，副科1名，科员2名，退二线2名。"
        in paragraphs
    )
    assert "3.截至2021年12月底，本单位有净资产24904.73元。" in paragraphs
    assert any("全年共接收社会捐赠款物 156.86 万元" in p for p in paragraphs)
    assert "（9）部门能力建设支出 0.75 万元。" in paragraphs
    assert "预算部门名称：姑苏区红十字会" in paragraphs


def test_xlsx_holds_the_table_with_merged_headers(rendered: RenderOutcome) -> None:
    sheet = openpyxl.load_workbook(files(rendered)["xlsx"]).active
    assert sheet is not None
    assert sheet["A1"].value == "姑苏区预算部门整体支出预算绩效自评价表"
    assert [sheet.cell(4, c).value for c in range(1, 8)] == [
        "本年度预算资金（万元）",
        *BUDGET_HEADERS,
    ]
    for offset, line in enumerate(BUDGET_LINES):
        row = [sheet.cell(5 + offset, c).value for c in range(1, 8)]
        assert row[0] == seed_budget_row(line)[0]
        figures = (line.initial, line.adjustment, line.higher_level, line.total, line.actual)
        assert [Decimal(str(v)) for v in row[1:6]] == [Decimal(f) for f in figures], line.name
        # The per cent figure under 预算执行率（%）, with no second % sign.
        assert Decimal(str(row[6])) == Decimal(line.rate), line.name
        formats = [sheet.cell(5 + offset, c).number_format for c in range(2, 8)]
        assert formats == ["0.00"] * 5 + ["0.0"], line.name
        assert {sheet.cell(5 + offset, c).alignment.horizontal for c in range(2, 8)} == {"right"}
    header = 5 + len(BUDGET_LINES)
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {
        f"A{header}:C{header}",
        f"D{header}:D{header + 1}",
        f"F{header}:G{header + 1}",
    } <= merged
    assert sheet.cell(header, 1).value == "分解目标"
    assert [sheet.cell(header + 1, c).value for c in (1, 2, 3)] == [
        "一级指标",
        "二级指标",
        "三级指标",
    ]
    first = header + 2
    for offset, seed in enumerate(INDICATORS):
        r = first + offset
        name = sheet.cell(r, 3).value if seed.project else sheet.cell(r, 2).value
        assert name == seed.name, seed.id
        assert sheet.cell(r, 4).value == seed.target, seed.id
        assert sheet.cell(r, 5).value == seed.actual, seed.id
        assert (sheet.cell(r, 6).value or None) == seed.deviation, seed.id
    # 部门管理 spans its ten rows in the category column, 人道爱心任务 its four projects rows.
    assert f"A{first}:A{first + 9}" in merged
    assert f"B{first + 16}:B{first + 19}" in merged
    assert sheet.cell(first + len(INDICATORS), 1).value == "备注"


def test_xlsx_text_that_looks_like_a_formula_stays_text(db_url: str, tmp_path: Path) -> None:
    office = open_office(open_store(db_url, create=True))
    hostile = '=HYPERLINK("http://evil.example","点击")'
    key = {"department": DEPARTMENT_CODE, "year": YEAR}
    for command in seed_commands(DEPARTMENT_CODE, YEAR):
        execute(office.store, office.preparer, command)
    execute(office.store, office.preparer, RenameBudgetLine(**key, line="homes", name=hostile))
    execute(office.store, office.preparer, SubmitReport(**key))
    for signer in (office.head, office.finance):
        execute(office.store, signer, ApproveReport(**key, revision=1))
    for signer in (office.head, office.finance):
        execute(office.store, signer, SignOffReport(**key, revision=1))
    sheet = openpyxl.load_workbook(files(render(office, tmp_path))["xlsx"]).active
    assert sheet is not None
    (cell,) = [c for row in sheet.iter_rows() for c in row if c.value == hostile]
    assert cell.data_type == "s"


def test_pdf_has_cjk_text_and_the_key_figures(rendered: RenderOutcome) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(files(rendered)["pdf"]), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for expected in (
        "姑苏区预算部门整体支出预算绩效自评价报告",
        "第三部分 绩效管理结果应用情况",
        "预算资金总额",
        "300.09",
        "-22.81",
        "279.08",
        "242.83",
        "36.25",
        "12.50",
        "压缩预算",
        "1018人",
        "实际报名人数多",
    ):
        assert expected in text, expected
    fonts = subprocess.run(
        ["pdffonts", str(files(rendered)["pdf"])], check=True, capture_output=True, text=True
    ).stdout
    assert "CJK" in fonts


def test_the_same_events_give_byte_identical_files(office: Office, tmp_path: Path) -> None:
    # A second store holding the same log: rendering is a function of the events alone.
    copy = tmp_path / "copy.db"
    with (
        sqlite3.connect(office.store.engine.url.database or "") as source,
        sqlite3.connect(copy) as target,
    ):
        source.backup(target)
    first = files(render(office, tmp_path / "first"))
    again = render_revision(
        EventStore.open(f"sqlite:///{copy}"), DEPARTMENT_CODE, YEAR, 1, out_dir=tmp_path / "again"
    )
    assert again.recorded
    second = files(again)
    for fmt in FORMATS:
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt
    assert first["html"].name == f"{DEPARTMENT_CODE}-{YEAR}-r1-{TEMPLATE_VERSION}.html"


def test_a_repeat_records_nothing_and_rewrites_nothing(office: Office, tmp_path: Path) -> None:
    rendered = render(office, tmp_path / "out")
    assert rendered.recorded
    before = {fmt: path.stat() for fmt, path in files(rendered).items()}
    repeat = render(office, tmp_path / "out")
    assert not repeat.recorded and repeat.artifacts == rendered.artifacts
    for fmt, path in files(repeat).items():
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == (
            before[fmt].st_ino,
            before[fmt].st_mtime_ns,
        )
    types = [r.event_type for r in office.store.read_stream(STREAM)]
    assert types.count("ReportRendered") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file()) == sorted(
        path.name for path in files(rendered).values()
    )


def test_files_of_an_interrupted_attempt_are_kept(office: Office, tmp_path: Path) -> None:
    # A worker killed after writing its first file leaves that file, under its final name.
    signed = find_signed_off(office.store, DEPARTMENT_CODE, YEAR, 1)
    view = signed_off_view(office.store, signed)
    html = render_documents(
        view, provenance_of(office.store, signed, view, TEMPLATE_VERSION), ["html"]
    )["html"]
    out = tmp_path / "out"
    out.mkdir()
    left = out / artifact_name(DEPARTMENT_CODE, YEAR, 1, TEMPLATE_VERSION, "html")
    assert write_once(left, html)
    inode = left.stat().st_ino
    outcome = render(office, out)
    assert outcome.recorded
    assert files(outcome)["html"] == left and left.stat().st_ino == inode
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(
        path.name for path in files(outcome).values()
    )


def test_verification_proves_the_files_and_catches_tampering(
    office: Office, tmp_path: Path
) -> None:
    rendered = render(office, tmp_path / "out")
    verification = verify_rendering(office.store, DEPARTMENT_CODE, YEAR)
    assert verification.ok and verification.revision == 1
    assert [c.rerender_matches for c in verification.checks] == [True] * len(FORMATS)
    published = tmp_path / "downloaded.xlsx"
    shutil.copy(files(rendered)["xlsx"], published)
    assert verify_file(office.store, published).ok
    pdf = files(rendered)["pdf"]
    data = bytearray(pdf.read_bytes())
    data[-100] ^= 1
    pdf.write_bytes(bytes(data))
    tampered = verify_rendering(office.store, DEPARTMENT_CODE, YEAR)
    assert not tampered.ok
    broken = [c for c in tampered.checks if not c.ok]
    assert [c.artifact.format for c in broken] == ["pdf"]
    assert "the event recorded" in broken[0].problems[0]


def test_a_copy_kept_elsewhere_is_judged_by_its_own_digest(office: Office, tmp_path: Path) -> None:
    rendered = render(office, tmp_path / "out")
    paths = files(rendered)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    copy = downloads / "downloaded.pdf"
    shutil.copy(paths["pdf"], copy)
    shutil.move(tmp_path / "out", tmp_path / "moved")  # the worker's files are gone
    verification = verify_file(office.store, copy)
    assert verification.ok
    checks = {c.artifact.format: c for c in verification.checks}
    assert (checks["pdf"].file_matches, checks["pdf"].checked_path) == (True, str(copy))
    assert [checks[f].file_matches for f in ("html", "xlsx", "docx")] == [None, None, None]
    assert checks["html"].problems == (
        f"not found (looked at {paths['html']} and {downloads / paths['html'].name})",
    )
    assert [c.rerender_matches for c in verification.checks] == [True] * len(FORMATS)
    # Where the worker wrote them, the same files missing are a failure.
    assert not verify_rendering(office.store, DEPARTMENT_CODE, YEAR, rerender=False).ok

    # A sibling found beside the copy is checked: one that differs fails the verification.
    (downloads / paths["xlsx"].name).write_bytes(b"not the spreadsheet")
    tampered = verify_file(office.store, copy)
    assert not tampered.ok
    found = {c.artifact.format: c.file_matches for c in tampered.checks}
    assert found == {"html": None, "pdf": True, "xlsx": False, "docx": None}


def test_a_reopened_revision_is_not_rendered(office: Office, tmp_path: Path) -> None:
    execute(
        office.store,
        office.finance,
        ReopenReport(department=DEPARTMENT_CODE, year=YEAR, reason="财政局复核发现需更正"),
    )
    with pytest.raises(StaleRevision):
        render(office, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_message_for_a_reopened_revision_is_information_not_a_warning(
    office: Office, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import worker.tasks  # noqa: F401  (registers the render task with every app)
    from worker.celery_app import RENDER_TASK, make_celery
    from worker.settings import load_settings
    from workflow.streams import report_stream_id

    execute(
        office.store,
        office.finance,
        ReopenReport(department=DEPARTMENT_CODE, year=YEAR, reason="财政局复核发现需更正"),
    )
    app = make_celery(load_settings(db_url=db_url, out_dir=tmp_path / "out"))
    stream = report_stream_id(DEPARTMENT_CODE, YEAR)
    report = {"department": DEPARTMENT_CODE, "year": YEAR}
    with caplog.at_level("INFO", logger="worker.tasks"):
        result = app.tasks[RENDER_TASK].run(stream_id=stream, report=report, revision=1)
    assert result == {"stream_id": stream, "revision": 1, "status": "dropped"}
    (record,) = [r for r in caplog.records if r.name.startswith("worker.tasks")]
    assert record.levelname == "INFO"
    assert record.getMessage() == (
        f"render {stream} revision 1 not needed: report {stream} revision: got 1, expected the "
        "current revision 2 (the report was reopened); nothing is wrong: a reopened revision "
        "is kept as it was, and the new one is rendered when it is signed off"
    )
