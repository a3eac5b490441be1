"""Render a signed-off revision to HTML, PDF, XLSX and DOCX, and record it: idempotently.

The state rendered is the report folded from its first event up to its ``ReportSignedOff``
event, never the current state nor a snapshot, with the hashes of what it folds checked,
so a render is a function of the log: the same events give the same
HTML and XLSX bytes (and PDF bytes, with the same WeasyPrint and fonts). A render is
keyed by report, revision, format and template version, which is also the file name,
so a repeat finds its files already there and ``record_rendering`` records nothing new.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from events.protocol import EventStoreProtocol
from projections.report_view import report_view
from worker.artifact_files import artifact_name, sha256_of, write_once
from worker.document import (
    Block,
    Paragraph,
    Part,
    ProjectDocument,
    Provenance,
    ReportDocument,
    SignLine,
    project_document,
    report_document,
)
from worker.evaluation_table import BudgetRow, EvaluationTable, IndicatorHeadings, IndicatorRow
from worker.pdf import render_pdf
from worker.revision import SignedOffRevision, find_signed_off
from worker.settings import document_settings_key, document_timezone, indicator_headings
from worker.templating import render_html
from worker.word import render_docx, render_project_docx
from worker.xlsx import render_project_xlsx, render_xlsx
from workflow.artifacts import Artifact
from workflow.errors import StaleVersion
from workflow.report import ReportState, fold
from workflow.report_events import RenderFailed
from workflow.service import load_report, load_user, record_render_failure, record_rendering
from workflow.service.loading import project_openings
from workflow.streams import report_stream_id
from workflow.text import escaped

log = logging.getLogger(__name__)

#: Every format a signed-off revision is rendered to.
FORMATS = ("html", "pdf", "xlsx", "docx")

_PACKAGE = Path(__file__).parent

#: The sources whose change changes the rendered bytes.
_TEMPLATE_SOURCES = (
    *sorted((_PACKAGE / "templates").iterdir()),
    *(
        _PACKAGE / name
        for name in (
            "document.py",
            "evaluation_table.py",
            "project_form.py",
            "templating.py",
            "xlsx.py",
            "pdf.py",
            "word.py",
            "office_zip.py",
        )
    ),
)


def _template_version() -> str:
    digest = hashlib.sha256()
    for source in _TEMPLATE_SOURCES:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    # Times are printed in the deployment's zone, the indicator columns headed as its form
    # heads them: other settings give other documents, under other names.
    digest.update(b"settings\0" + document_settings_key().encode())
    return "t" + digest.hexdigest()[:10]


#: A digest of the templates, layout code and time zone: a new template gives new file names.
TEMPLATE_VERSION = _template_version()


@dataclass(frozen=True)
class RenderOutcome:
    """What a render did: the artifacts of the revision, and whether this call recorded them."""

    revision: SignedOffRevision
    artifacts: tuple[Artifact, ...]
    recorded: bool


def headings() -> IndicatorHeadings:
    """The indicator columns' heads this deployment prints (``JIXIAO_INDICATOR_HEADINGS``)."""
    return IndicatorHeadings(*indicator_headings())


def _render_format(fmt: str, document: ReportDocument | ProjectDocument, html: str) -> bytes:
    if fmt == "html":
        return html.encode()
    if fmt == "pdf":
        return render_pdf(html)
    if isinstance(document, ProjectDocument):
        if fmt == "xlsx":
            return render_project_xlsx(document.form, document.provenance.moment)
        if fmt == "docx":
            return render_project_docx(document)
    elif fmt == "xlsx":
        return render_xlsx(document.table, document.provenance.moment)
    elif fmt == "docx":
        return render_docx(document)
    raise ValueError(f"render format: got {fmt!r}, expected one of {', '.join(FORMATS)}")


def signed_off_view(store: EventStoreProtocol, revision: SignedOffRevision) -> dict[str, Any]:
    """The report view as it was at the revision's sign-off: folded from the stream's first
    event, the segment of the chain it folds checked first (never from a snapshot, which
    is not chained; TamperedEvent or BrokenChain if the log was changed). A 部门整体
    report's view has ``projects`` beside it: the views of its department's 项目支出
    reports as they stood at the same moment."""
    state = load_report(
        store,
        revision.department,
        revision.year,
        to_version=revision.version,
        verified=True,
        project=revision.project,
    )
    view = report_view(state.state)
    if revision.project is None:
        view["projects"] = [
            report_view(project) for project in projects_at(store, revision, revision.position)
        ]
    return view


def projects_at(
    store: EventStoreProtocol, revision: SignedOffRevision, position: int
) -> list[ReportState]:
    """The 项目支出 reports of ``revision``'s department and year as the log held them at
    ``position``, each folded from its stream's first event with its chain checked."""
    streams = {
        record.stream_id
        for record in project_openings(store, revision.year, revision.department)
        if record.position <= position
    }
    states = []
    for stream_id in sorted(streams):
        records = [r for r in store.read_stream_verified(stream_id) if r.position <= position]
        states.append(fold(r.event for r in records))
    return states


def document_of(
    view: dict[str, Any], provenance: Provenance, headings: IndicatorHeadings
) -> ReportDocument | ProjectDocument:
    """The document a view renders to: a 项目支出 report's form, or the 部门整体 report."""
    if view.get("project") is not None:
        return project_document(view, provenance, headings)
    return report_document(view, provenance, headings)


def _people(revision: SignedOffRevision, view: dict[str, Any]) -> list[str]:
    """Everyone a document of ``view`` names: signers, the preparer, the approvers."""
    named = [*revision.signers, view["submitted_by"], *(a["by"] for a in view["approvals"])]
    return sorted({user for user in named if user})


def provenance_of(
    store: EventStoreProtocol,
    revision: SignedOffRevision,
    view: dict[str, Any],
    template_version: str,
) -> Provenance:
    """What a document rendered from ``revision`` (whose view is ``view``) says about its
    origin: who signed and prepared it by their registered names (a user is never renamed,
    so the names are the log's), and the deployment's time zone."""
    names = []
    for user_id in _people(revision, view):
        user = load_user(store, user_id)
        names.append((user_id, user.name if user.registered and user.name else user_id))
    return Provenance(
        report=revision.stream_id,
        revision=revision.revision,
        signed_at=revision.signed_at,
        signers=revision.signers,
        template_version=template_version,
        names=tuple(names),
        timezone=document_timezone(),
    )


def render_documents(
    view: dict[str, Any], provenance: Provenance, formats: Sequence[str] = FORMATS
) -> dict[str, bytes]:
    """The bytes of each format for a report view (in memory; nothing written or recorded)."""
    document = document_of(view, provenance, headings())
    html = render_html(document)
    return {fmt: _render_format(fmt, document, html) for fmt in formats}


def _record(
    store: EventStoreProtocol, revision: SignedOffRevision, artifacts: tuple[Artifact, ...]
) -> bool:
    # No expected version: the service decides again when a duplicate of this task
    # appended first, and then records nothing (the rendering is already there).
    recorded = record_rendering(
        store,
        revision.department,
        revision.year,
        revision=revision.revision,
        artifacts=artifacts,
        correlation_id=revision.correlation_id,
        causation_id=revision.event_id,
        project=revision.project,
    )
    return bool(recorded)


#: The longest failure reason recorded: an error's first line, not its traceback.
MAX_REASON = 500


def failure_reason(error: BaseException) -> str:
    """One line saying why an attempt failed: the error's type and its first line."""
    # An error's text may hold anything (a path, a driver's message): escaped, so the
    # event passes the text rules every recorded reason obeys.
    first = escaped(unicodedata.normalize("NFC", (str(error).strip().splitlines() or [""])[0]))
    text = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def record_failure(
    store: EventStoreProtocol,
    department: str,
    year: int,
    revision: int,
    *,
    reason: str,
    attempts_allowed: int,
    attempt: int | None = None,
    formats: Sequence[str] = FORMATS,
    project: str | None = None,
) -> RenderFailed | None:
    """Record one failed attempt to render a revision; the event, or None if nothing new.

    ``attempt`` is the number the attempt was given when it started
    (:attr:`SignedOffRevision.next_attempt`), so a duplicate of the same attempt records
    nothing; None numbers it after the failures recorded so far. The failure is final (the
    worker gives up) at ``attempts_allowed``. Nothing is recorded for a revision rendered
    meanwhile; StaleRevision if the report was reopened.
    """
    for _ in range(10):
        signed = find_signed_off(store, department, year, revision, project=project)
        number = attempt if attempt is not None else signed.next_attempt
        try:
            recorded = record_render_failure(
                store,
                department,
                year,
                revision=revision,
                formats=formats,
                reason=reason,
                attempt=number,
                final=number >= attempts_allowed,
                correlation_id=signed.correlation_id,
                causation_id=signed.event_id,
                project=project,
            )
        except StaleVersion:
            # Another writer appended first: decide again on what it wrote.
            continue
        if not recorded:
            return None
        event = recorded[0].event
        assert isinstance(event, RenderFailed)
        log.warning(
            "%s revision %d: attempt %d failed%s: %s",
            signed.stream_id,
            revision,
            number,
            " (given up)" if event.final else "",
            reason,
        )
        return event
    raise StaleVersion(
        f"report {report_stream_id(department, year, project)}: the stream kept moving while "
        "recording a failure"
    )


def render_revision(
    store: EventStoreProtocol,
    department: str,
    year: int,
    revision: int,
    *,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    pause: float = 0.0,
    project: str | None = None,
) -> RenderOutcome:
    """Render a signed-off revision into ``out_dir`` and record one ``ReportRendered``.

    Idempotent: a rendered revision returns its recorded artifacts and writes nothing;
    files an interrupted attempt already published are kept, not rewritten. ``pause``
    sleeps after the first new file (tests use it to kill a worker mid-render).
    Raises StaleRevision if the report was reopened, NothingToRender if never signed off.
    A 项目支出 report's with ``project``.
    """
    signed = find_signed_off(store, department, year, revision, project=project)
    if signed.rendered is not None:
        log.info("%s revision %d already rendered; nothing to do", signed.stream_id, revision)
        return RenderOutcome(signed, signed.rendered, recorded=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    view = signed_off_view(store, signed)
    document = document_of(view, provenance_of(store, signed, view, TEMPLATE_VERSION), headings())
    html = render_html(document)
    artifacts = []
    paused = False
    for fmt in formats:
        name = artifact_name(department, year, revision, TEMPLATE_VERSION, fmt, project)
        path = out_dir / name
        written = not path.exists() and write_once(path, _render_format(fmt, document, html))
        if written and pause and not paused:
            paused = True
            time.sleep(pause)
        artifacts.append(
            Artifact(
                path=str(path),
                size=path.stat().st_size,
                sha256=sha256_of(path),
                format=fmt,
                template_version=TEMPLATE_VERSION,
            )
        )
    recorded = _record(store, signed, tuple(artifacts))
    if not recorded:
        # A duplicate recorded first: report what the log says, not what this call saw.
        signed = find_signed_off(store, department, year, revision, project=project)
        return RenderOutcome(signed, signed.rendered or tuple(artifacts), recorded=False)
    log.info("%s revision %d rendered: %s", signed.stream_id, revision, ", ".join(formats))
    return RenderOutcome(signed, tuple(artifacts), recorded=True)


def _sample_document() -> ReportDocument:
    """A small document using every template, face and cell kind of the real report."""
    row = BudgetRow("total", "预算资金总额", 0, ("300.09",) * 5 + ("100%",), (None,) * 6)
    indicator = IndicatorRow(
        "m01", "部门管理", None, "预算编制规范性", "规范", "规范", "……", "met", 1, 0
    )
    table = EvaluationTable(
        "姑苏区预算部门整体支出预算绩效自评价表",
        2021,
        "红十字会",
        "万元",
        (row,),
        (indicator,),
        ("备注",),
    )
    block = Block(
        3,
        "一、部门主要职能",
        (Paragraph("（一）宣传贯彻红十字会法。"), Paragraph("（一）小标题", True)),
    )
    provenance = Provenance("report:sample:2021", 1, datetime(2022, 1, 1, tzinfo=UTC), ("a",), "t0")
    return ReportDocument(
        "姑苏区预算部门整体支出预算绩效自评价报告",
        2021,
        "红十字会",
        (Part("第一部分 部门概况", (block,)),),
        table,
        provenance,
        (SignLine("单位负责人", "李四"), SignLine("联系电话", "")),
    )


@cache
def warm_up() -> None:
    """Compile the templates and load WeasyPrint, Pango and the CJK fonts in this process.

    The first PDF of a process costs seconds; a worker pays it before its first task.
    What is loaded stays for the life of the process, so it is moved out of the cyclic
    garbage collector's reach: a PDF allocates enough to trigger several full
    collections, which would otherwise walk the fonts, stylesheets and modules each time.
    """
    document = _sample_document()
    html = render_html(document)
    for fmt in FORMATS:
        _render_format(fmt, document, html)
    gc.collect()
    gc.freeze()
